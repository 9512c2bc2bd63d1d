//! HTML injection: every text a user or an imported file can set (organisation and engagement
//! names, every estate field a page shows, design statuses, evidence notes and file names,
//! auditor comments, token names, query parameters echoed back) carries markup, and no page
//! may send that markup back as markup.

mod common;

use common::*;
use fieldproof_app::evidence::{AddContent, AddRequest};
use fieldproof_app::readiness::StatusSetRequest;
use fieldproof_app::requests::{RequestWrite, Reviewer};
use fieldproof_core::access::Role;
use fieldproof_core::engagement::EngagementRequest;
use fieldproof_web::{Server, ServerConfig};

/// Markup that would run if a page sent it back unescaped; `MARK` is what a page must never
/// contain.
const PAYLOAD: &str = "\"'><svg id=pwn onload=alert(1)>&amp;";
const MARK: &str = "<svg id=pwn";

fn q(text: &str) -> String {
    serde_json::to_string(text).expect("a JSON string is a YAML scalar")
}

#[tokio::test]
async fn no_page_sends_back_markup_from_any_field_a_user_or_a_file_can_set() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::open(ServerConfig {
        data: dir.path().join("data"),
        store: None,
        secure_cookies: false,
        max_upload_bytes: 1 << 20,
        limits: Default::default(),
        trust_forwarded_for: false,
    })
    .await
    .expect("server");
    server
        .add_organisation("acme", PAYLOAD)
        .await
        .expect("an organisation whose name is markup");
    let p = q(PAYLOAD);
    let estate = [
        format!("organisation: {p}\nservice: {p}\n"),
        format!("subservice_organisations:\n  - id: host\n    name: {p}\n    method: carve_out\n    services: {p}\n    complementary_controls: [{p}]\n"),
        format!("responsibilities:\n  - domain: physical_access\n    customer: {p}\n    applies_to: [bms-1]\n"),
        format!("components:\n  - id: bms-1\n    name: {p}\n    kind: bms\n    operated_by: us\n    site: our_facility\n    zone: ot\n    declared_scope: out\n    affects_availability: true\n    owner: {p}\n    description: {p}\n"),
        format!("  - id: portal\n    name: {p}\n    kind: cloud_service\n    operated_by: subservice\n    subservice: host\n    site: third_party\n    zone: cloud\n    processes_customer_data: true\n    owner: {p}\n"),
    ]
    .concat();
    let file = dir.path().join("estate.yaml");
    std::fs::write(&file, estate).expect("estate");
    let app = server.app_for("acme", PAYLOAD);
    app.apply(&file, &Default::default(), &mut |_, _| {})
        .await
        .expect("a hostile estate is still a valid estate");
    app.engagement_create(&EngagementRequest {
        id: "soc2-2026".to_string(),
        name: Some(PAYLOAD.to_string()),
        period: Some("2026-01-01..2026-12-31".to_string()),
        categories: vec!["availability".to_string()],
        ..EngagementRequest::default()
    })
    .await
    .expect("engagement");
    // A request of a control that applies to this estate.
    let freshness = app
        .evidence_status(Some("soc2-2026"))
        .await
        .expect("freshness");
    let row = freshness.rows.first().expect("an applicable request");
    let (control, request) = (row.control.clone(), row.request.clone());
    app.status_set(&StatusSetRequest {
        engagement: Some("soc2-2026".to_string()),
        control: control.clone(),
        status: "partially_implemented".to_string(),
        owner: Some(PAYLOAD.to_string()),
        rationale: Some(PAYLOAD.to_string()),
        due: Some("2026-12-31".to_string()),
    })
    .await
    .expect("status");
    let evidence_file = dir.path().join(format!("{PAYLOAD}.csv"));
    std::fs::write(&evidence_file, PAYLOAD).expect("evidence");
    let added = app
        .evidence_add(&AddRequest {
            request: Some(request.clone()),
            engagement: Some("soc2-2026".to_string()),
            covers: Some("2026-01-01..2026-03-31".to_string()),
            source: Some(PAYLOAD.to_string()),
            note: Some(PAYLOAD.to_string()),
            ..AddRequest::new(AddContent::Files(vec![evidence_file]), &[control.as_str()])
        })
        .await
        .expect("evidence");
    let evidence = added.added[0].evidence.clone();
    app.request_write(
        Some("soc2-2026"),
        &control,
        &request,
        &RequestWrite {
            comment: Some(PAYLOAD.to_string()),
            status: None,
        },
        Reviewer::workspace_holder(PAYLOAD, false),
    )
    .await
    .expect("a comment");
    let accounts = server.accounts();
    accounts
        .add_member("owner@acme.test", Some(PASSWORD), "acme", Role::Owner, None)
        .await
        .expect("owner");
    accounts
        .create_token("owner@acme.test", "acme", Role::Owner, PAYLOAD, None)
        .await
        .expect("a token whose name is markup");
    let (cookie, _) = sign_in(&server, "owner@acme.test").await;

    let echoed = encode(PAYLOAD);
    let pages = [
        "/o/acme".to_string(),
        "/o/acme?engagement=soc2-2026".to_string(),
        format!("/o/acme?engagement={echoed}"),
        "/o/acme/estate".to_string(),
        format!("/o/acme/estate?q={echoed}&scope={echoed}&page=1"),
        "/o/acme/estate/bms-1".to_string(),
        "/o/acme/estate/portal".to_string(),
        format!("/o/acme/estate/{echoed}"),
        "/o/acme/controls".to_string(),
        format!("/o/acme/controls/{control}"),
        format!("/o/acme/controls/{echoed}"),
        "/o/acme/evidence".to_string(),
        "/o/acme/ledger".to_string(),
        "/o/acme/verify".to_string(),
        "/o/acme/reports".to_string(),
        "/o/acme/reports/readiness.html".to_string(),
        "/o/acme/reports/system-description.html".to_string(),
        "/o/acme/reports/controls.html".to_string(),
        "/o/acme/reports/tests.html".to_string(),
        format!("/o/acme/reports/{echoed}"),
        "/o/acme/requests".to_string(),
        format!("/o/acme/requests/{control}/{request}"),
        format!("/o/acme/requests/{control}/{echoed}"),
        "/o/acme/samples".to_string(),
        format!("/o/acme/evidence/{evidence}"),
        format!("/o/acme/evidence/{echoed}"),
        format!("/o/acme/upload?control={control}&request={request}"),
        format!("/o/acme/upload?control={echoed}&request={echoed}&supersedes={echoed}"),
        "/o/acme/findings".to_string(),
        format!("/o/acme/findings?severity={echoed}&owner={echoed}&due={echoed}"),
        format!("/o/acme/controls?design={echoed}&operating={echoed}"),
        format!("/o/acme/requests?status={echoed}"),
        format!("/o/acme/tests/{echoed}"),
        format!("/o/acme/ledger?entry={echoed}"),
        "/o/acme/tokens".to_string(),
        "/catalog".to_string(),
        "/catalog/FP-AC-03".to_string(),
        format!("/catalog/{echoed}"),
        format!("/catalog/map?requirement={echoed}&to={echoed}"),
        format!("/o/{echoed}"),
    ];
    let mut seen = 0;
    for uri in &pages {
        let reply = send(&server, get(uri, Some(&cookie))).await;
        let text = reply.text();
        assert!(
            !text.contains(MARK),
            "{uri} ({}) sends markup back: ...{}...",
            reply.status,
            text.split(MARK)
                .next()
                .map(|before| &before[before.len().saturating_sub(120)..])
                .unwrap_or_default()
        );
        if reply.status.is_success() && text.contains("&lt;svg id=pwn") {
            seen += 1;
        }
    }
    // The payload is shown (escaped) on the pages that show those fields: the test reaches them.
    assert!(seen >= 12, "the payload was shown on only {seen} pages");
    // A retire reason and an upload note come back on the pages that record them.
    let (cookie, csrf) = sign_in(&server, "owner@acme.test").await;
    let retired = send(
        &server,
        form(
            "/o/acme/evidence/retire",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("evidence", &evidence),
                ("reason", PAYLOAD),
            ],
        ),
    )
    .await;
    assert!(retired.status.is_success(), "{}", retired.text());
    for uri in ["/o/acme/ledger", "/o/acme/evidence"] {
        let text = send(&server, get(uri, Some(&cookie))).await.text();
        assert!(!text.contains(MARK), "{uri} after a retire");
    }
    // The content of evidence is the file as uploaded, markup and all: it is only ever a
    // download the browser does not render (an attachment, a binary type, no sniffing).
    let content = send(
        &server,
        get(
            &format!("/o/acme/evidence/{evidence}/content"),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(content.headers["content-type"], "application/octet-stream");
    assert!(content.headers["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("attachment; "));
    assert_eq!(content.headers["x-content-type-options"], "nosniff");
    assert!(!content.headers["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .contains('<'));
    // Forms refused and shown again with what was typed: the upload, the design status and a
    // component's edit send back every value escaped.
    let refused = send(
        &server,
        upload_request(
            "/o/acme/evidence",
            ("cookie", &cookie),
            &[
                ("csrf", &csrf),
                ("engagement", "soc2-2026"),
                ("control", &control),
                ("request", PAYLOAD),
                ("from", PAYLOAD),
                ("note", PAYLOAD),
                ("supersedes", PAYLOAD),
            ],
            &[("a.csv", b"x")],
        ),
    )
    .await;
    assert_eq!(refused.status.as_u16(), 400, "{}", refused.text());
    assert!(
        !refused.text().contains(MARK),
        "the upload form shown again"
    );
    assert!(refused.text().contains("&lt;svg id=pwn"));
    for (uri, fields) in [
        (
            format!("/o/acme/controls/{control}/status"),
            vec![
                ("status", "planned"),
                ("owner", PAYLOAD),
                ("rationale", PAYLOAD),
                ("due", PAYLOAD),
            ],
        ),
        (
            "/o/acme/estate/bms-1/edit".to_string(),
            vec![
                ("declared-scope", PAYLOAD),
                ("owner", PAYLOAD),
                ("description", PAYLOAD),
            ],
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        let reply = send(&server, form(&uri, Some(&cookie), &fields)).await;
        assert_eq!(reply.status.as_u16(), 400, "{uri}: {}", reply.text());
        assert!(!reply.text().contains(MARK), "{uri} shown again");
        assert!(reply.text().contains("&lt;svg id=pwn"), "{uri}");
    }
    // An inventory upload whose values the mapping does not translate: the preview lists
    // them, and the mapping's own values, file names and columns.
    let mapping = format!(
        "[mapping]\nname = {p}\nsource = {p}\n\n[columns.id]\nfrom = \"Tag\"\n\n[columns.name]\nfrom = \"Tag\"\n\n\
[columns.kind]\nfrom = \"Type\"\nvalues = {{ {p} = \"plc\" }}\n\n[columns.operated_by]\nvalue = \"us\"\n\n[columns.site]\nvalue = \"our_facility\"\n\n[columns.zone]\nvalue = \"ot\"\n"
    );
    let list = format!("Tag,Type\nplc-1,{}\nplc-2,x{PAYLOAD}\n", q(PAYLOAD));
    let preview = send(
        &server,
        named_upload(
            "/o/acme/estate/preview",
            ("cookie", &cookie),
            &[("csrf", &csrf), ("unmapped", "report")],
            &[
                ("estate", "plant.csv", list.as_bytes()),
                ("mapping", "plant.toml", mapping.as_bytes()),
            ],
        ),
    )
    .await;
    let text = preview.text();
    assert!(preview.status.is_success(), "{text}");
    assert!(!text.contains(MARK), "the estate preview sends markup back");
    assert!(
        text.contains("&lt;svg id=pwn"),
        "the preview shows the values: {text}"
    );
    // A failed sign-in echoes nothing the visitor typed as markup.
    let login = send(
        &server,
        form("/login", None, &[("email", PAYLOAD), ("password", PAYLOAD)]),
    )
    .await;
    assert!(!login.text().contains(MARK));
}
