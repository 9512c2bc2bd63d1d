//! The pages a compliance lead and an auditor work in, in-process: an evidence item and its
//! download, an upload from a request's row that shows what changed, forms that keep what was
//! typed and put the message beside the field, and error pages that keep the navigation.

use axum::http::{header, StatusCode};

mod common;
use common::*;

/// The evidence id of the first link to an evidence item on `page`.
fn first_evidence(page: &str) -> String {
    page.split("/evidence/EV-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|n| format!("EV-{n}"))
        .expect("a link to an evidence item")
}

/// An upload to the FP-AM-01 inventory request of soc2-2026 with the form's other `fields`.
async fn upload_inventory(
    s: &std::sync::Arc<fieldproof_web::Server>,
    (cookie, csrf): (&str, &str),
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> Reply {
    let mut all = vec![
        ("csrf", csrf),
        ("engagement", "soc2-2026"),
        ("control", "FP-AM-01"),
        ("request", "inventory"),
    ];
    all.extend_from_slice(fields);
    send(
        s,
        upload_request("/o/acme/evidence", ("cookie", cookie), &all, &[file]),
    )
    .await
}

#[tokio::test]
async fn an_upload_from_a_request_row_shows_what_changed_and_the_item_opens() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let evidence = send(
        s,
        get("/o/acme/evidence?engagement=soc2-2026", Some(&owner)),
    )
    .await
    .text();
    // Every request row has its upload action, with the control and the request filled in.
    let action = "/o/acme/upload?control=FP-AM-01&amp;request=inventory";
    assert!(evidence.contains(action), "{evidence}");
    let upload = send(
        s,
        get(
            "/o/acme/upload?control=FP-AM-01&request=inventory",
            Some(&owner),
        ),
    )
    .await;
    assert_eq!(upload.status, StatusCode::OK);
    let upload = upload.text();
    for expected in [
        "name=\"control\" required list=\"controls\" value=\"FP-AM-01\"",
        "name=\"request\" value=\"inventory\"",
        // The dates of the first window without evidence.
        "id=\"from\" name=\"from\" type=\"date\" value=\"2026-01-01\"",
        "name=\"engagement\" value=\"soc2-2026\"",
        "Recorded in engagement soc2-2026",
    ] {
        assert!(upload.contains(expected), "{expected}:\n{upload}");
    }
    // One date without the other: the form comes back with what was typed, the message beside
    // the field, and nothing stored.
    let entries = ledger_entries(s, "acme").await;
    let refused = upload_inventory(
        s,
        (&owner, &csrf),
        &[("from", "2026-04-01"), ("note", "Q2 <inventory>")],
        ("q2.csv", b"asset,owner\nbms-1,facilities\n"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains(
            "id=\"to-error\">Give the last day the evidence covers as well as the first."
        ) && text.contains("aria-describedby=\"to-error\"")
            && text.contains("value=\"2026-04-01\"")
            && text.contains("value=\"Q2 &lt;inventory&gt;\"")
            && text.contains("aria-label=\"Main\""),
        "{text}"
    );
    assert_eq!(ledger_entries(s, "acme").await, entries);
    // A date that is not one: the application's message, in the form's words.
    let refused = upload_inventory(
        s,
        (&owner, &csrf),
        &[("from", "2026-04-01"), ("to", "31/06/2026")],
        ("q2.csv", b"asset,owner\n"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains("Period covered") && !text.contains("--covers"),
        "{text}"
    );
    assert_eq!(ledger_entries(s, "acme").await, entries);
    // The upload: the request's freshness before and after.
    let added = upload_inventory(
        s,
        (&owner, &csrf),
        &[("from", "2026-01-01"), ("to", "2026-03-31")],
        ("q1 inventory.csv", b"asset,owner\nbms-1,facilities\n"),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text());
    let added = added.text();
    assert!(
        added.contains("FP-AM-01 / inventory")
            && added.contains("b-missing\">missing</span> 0 of 4 windows")
            && added.contains("b-partly-covered\">partly covered</span> 1 of 4 windows"),
        "{added}"
    );
    // The item: what it is, what it answers, who added it, its ledger entry; its download.
    let id = first_evidence(&added);
    let item = send(s, get(&format!("/o/acme/evidence/{id}"), Some(&owner))).await;
    assert_eq!(item.status, StatusCode::OK);
    let item = item.text();
    for expected in [
        "q1 inventory.csv",
        "href=\"/o/acme/controls/FP-AM-01\"",
        "href=\"/o/acme/requests/FP-AM-01/inventory\"",
        "2026-01-01..2026-03-31",
        "owner@acme.test",
        " UTC",
        "Ledger entry",
        "Retire ",
        "Supersede ",
    ] {
        assert!(item.contains(expected), "{expected}:\n{item}");
    }
    let download = send(
        s,
        get(&format!("/o/acme/evidence/{id}/content"), Some(&owner)),
    )
    .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body, b"asset,owner\nbms-1,facilities\n");
    assert_eq!(
        download.headers[header::CONTENT_TYPE],
        "application/octet-stream"
    );
    let disposition = download.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"q1 inventory.csv\"")
            && disposition.contains("filename*=UTF-8''q1%20inventory.csv"),
        "{disposition}"
    );
    assert_eq!(download.headers["x-content-type-options"], "nosniff");
    // The freshness table links the item.
    let evidence = send(s, get("/o/acme/evidence", Some(&owner))).await.text();
    assert!(evidence.contains(&format!("href=\"/o/acme/evidence/{id}\"")));
    // Retired from its page: the page then says so and offers no action.
    let retired = send(
        s,
        form(
            "/o/acme/evidence/retire",
            Some(&owner),
            &[
                ("csrf", csrf.as_str()),
                ("evidence", id.as_str()),
                ("reason", "wrong quarter"),
            ],
        ),
    )
    .await;
    assert_eq!(retired.status, StatusCode::OK);
    let item = send(s, get(&format!("/o/acme/evidence/{id}"), Some(&owner)))
        .await
        .text();
    assert!(
        item.contains("retired</span>: wrong quarter") && !item.contains("Retire "),
        "{item}"
    );
}

#[tokio::test]
async fn an_auditor_opens_only_their_engagements_evidence() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let mut ids = Vec::new();
    for engagement in ["soc2-2026", "soc2-2027"] {
        let added = send(
            s,
            upload_request(
                "/o/acme/evidence",
                ("cookie", &owner),
                &[
                    ("csrf", &csrf),
                    ("engagement", engagement),
                    ("control", "FP-BR-01"),
                ],
                &[(&format!("{engagement}.csv") as &str, engagement.as_bytes())],
            ),
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text());
        ids.push(first_evidence(&added.text()));
    }
    let (auditor, _) = sign_in(s, "auditor@acme.test").await;
    let own = send(
        s,
        get(&format!("/o/acme/evidence/{}", ids[0]), Some(&auditor)),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        !own.text().contains("Retire "),
        "an auditor does not retire"
    );
    for uri in [
        format!("/o/acme/evidence/{}", ids[1]),
        format!("/o/acme/evidence/{}/content", ids[1]),
        "/o/acme/evidence/EV-999999".to_string(),
        "/o/acme/evidence/not-an-id/content".to_string(),
    ] {
        let reply = send(s, get(&uri, Some(&auditor))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!reply.text().contains("soc2-2027.csv"), "{uri} leaks");
    }
    // Another organisation's member: 404 for the item and its content.
    let (globex, _) = sign_in(s, "owner@globex.test").await;
    let reply = send(
        s,
        get(
            &format!("/o/acme/evidence/{}/content", ids[0]),
            Some(&globex),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_design_status_form_keeps_what_was_typed_and_confirms_a_save() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("engagement", "soc2-2026"),
        ("status", "planned"),
        ("owner", "Facilities manager"),
        ("rationale", "Alarms <to be> wired to the BMS"),
    ];
    let refused = send(
        s,
        form("/o/acme/controls/FP-PE-04/status", Some(&owner), &fields),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    for expected in [
        "id=\"due-error\">Due date is needed: FP-PE-04 is planned: give the date its gap is due to close",
        "aria-describedby=\"due-error\"",
        "value=\"Facilities manager\"",
        "Alarms &lt;to be&gt; wired to the BMS</textarea>",
        "<option value=\"planned\" selected>",
        "aria-label=\"Main\"",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
    assert!(!text.contains("--due"));
    let mut with_due = fields.to_vec();
    with_due.push(("due", "2027-03-31"));
    let saved = send(
        s,
        form("/o/acme/controls/FP-PE-04/status", Some(&owner), &with_due),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let location = saved.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    let page = send(s, get(&location, Some(&owner))).await.text();
    assert!(
        page.contains("The design status of FP-PE-04 is saved") && page.contains("due 2027-03-31"),
        "{page}"
    );
}

#[tokio::test]
async fn error_pages_keep_the_navigation_and_speak_no_cli() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, _) = sign_in(s, "owner@acme.test").await;
    for uri in [
        "/o/acme/controls/FP-NOPE-99",
        "/o/acme/evidence/EV-999999",
        "/o/acme/no-such-page",
    ] {
        let reply = send(s, get(uri, Some(&owner))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        let text = reply.text();
        assert!(
            text.contains("href=\"/o/acme/evidence\"") && text.contains("Sign out"),
            "{uri}: the navigation stays:\n{text}"
        );
    }
    // Another organisation's error page does not name it.
    let (globex, _) = sign_in(s, "owner@globex.test").await;
    let text = send(s, get("/o/acme/controls", Some(&globex))).await.text();
    assert!(
        !text.contains("href=\"/o/acme/") && text.contains("Sign out"),
        "{text}"
    );
}

#[tokio::test]
async fn the_dashboard_links_everything_and_findings_are_paged_and_filtered() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, _) = sign_in(s, "owner@acme.test").await;
    let dashboard = send(s, get("/o/acme?engagement=soc2-2026", Some(&owner)))
        .await
        .text();
    for link in [
        "class=\"card\" href=\"/o/acme/estate\"",
        "class=\"card\" href=\"/o/acme/controls\"",
        "class=\"card\" href=\"/o/acme/findings\"",
        "class=\"card\" href=\"/o/acme/evidence\"",
        // Why readiness is what it is: no design status is stated yet.
        "href=\"/o/acme/controls?design=not_stated\"",
        "Set the design status",
    ] {
        assert!(dashboard.contains(link), "{link}:\n{dashboard}");
    }
    assert!(!dashboard.contains("fieldproof status set"), "no CLI words");
    // The breakdown's link shows only those controls.
    let not_stated = send(s, get("/o/acme/controls?design=not_stated", Some(&owner)))
        .await
        .text();
    assert!(not_stated.contains("applicable controls: design not stated"));
    assert!(!not_stated.contains("b-implemented\">implemented"));
    // Every finding, 50 a page, filtered.
    let all = send(s, get("/o/acme/findings", Some(&owner))).await.text();
    let total: usize = all
        .split(" open findings, most severe first")
        .next()
        .and_then(|head| head.rsplit('>').next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(total > 0, "{all}");
    let rows = |page: &str| page.matches("<td data-label=\"Severity\">").count();
    assert_eq!(rows(&all), total.min(50));
    let medium = send(s, get("/o/acme/findings?severity=medium", Some(&owner)))
        .await
        .text();
    assert!(rows(&medium) > 0 && !medium.contains("b-high\">high</span>"));
    assert!(medium.contains("<option value=\"medium\" selected>"));
    let nobody = send(
        s,
        get("/o/acme/findings?owner=nobody%20at%20all", Some(&owner)),
    )
    .await
    .text();
    assert_eq!(rows(&nobody), 0);
}

#[tokio::test]
async fn downloads_are_named_for_the_organisation_the_engagement_and_the_day() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, _) = sign_in(s, "owner@acme.test").await;
    let today = s.app_for("acme", "test").today().to_string();
    for (uri, name) in [
        (
            "/o/acme/pack?engagement=soc2-2026",
            format!("acme-soc2-2026-evidence-pack-{today}.zip"),
        ),
        (
            "/o/acme/reports/readiness.md",
            format!("acme-soc2-2026-readiness-{today}.md"),
        ),
        (
            "/o/acme/reports/controls.csv",
            format!("acme-soc2-2026-controls-{today}.csv"),
        ),
    ] {
        let reply = send(s, get(uri, Some(&owner))).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        let disposition = reply.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii");
        assert!(
            disposition.starts_with(&format!("attachment; filename=\"{name}\"")),
            "{uri}: {disposition}"
        );
    }
}

#[tokio::test]
async fn one_component_is_edited_in_the_browser_as_a_change_set() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let page = send(s, get("/o/acme/estate/bms-dc2", Some(&owner)))
        .await
        .text();
    assert!(
        page.contains("<option value=\"out\" selected>out of scope</option>")
            && page.contains("value=\"affects_availability\" checked"),
        "the form shows what is stored:\n{page}"
    );
    // Declared in scope, availability no longer affected, a new owner.
    let facts = ["support_can_access_or_operate", "enforces_access_control"];
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("declared-scope", "in"),
        ("owner", "Facilities <engineering>"),
        ("description", ""),
        ("facts_shown", "yes"),
    ];
    fields.extend(facts.iter().map(|f| ("fact", *f)));
    let saved = send(
        s,
        form("/o/acme/estate/bms-dc2/edit", Some(&owner), &fields),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let location = saved.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with("/o/acme/estate/bms-dc2?saved="),
        "{location}"
    );
    let page = send(s, get(&location, Some(&owner))).await.text();
    assert!(
        page.contains("Saved as change set #")
            && page.contains("<option value=\"in\" selected>in scope</option>")
            && page.contains("value=\"Facilities &lt;engineering&gt;\"")
            && !page.contains("value=\"affects_availability\" checked"),
        "{page}"
    );
    let estate = send(s, get("/o/acme/estate?q=bms-dc2", Some(&owner)))
        .await
        .text();
    assert!(
        estate.contains("<td>in scope</td>"),
        "declared beside decided:\n{estate}"
    );
    let log = s.app_for("acme", "check").log(5).await.expect("log");
    let newest = &log.change_sets[0];
    assert_eq!(newest.meta.actor, "owner@acme.test");
    assert_eq!(newest.meta.command, "component edit");
    // A value that is not one: the form comes back with the message and the values.
    let refused = send(
        s,
        form(
            "/o/acme/estate/bms-dc2/edit",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("declared-scope", "maybe"),
                ("owner", "kept"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains(
            "id=\"declared-scope-error\">Declared scope &#39;maybe&#39;: expected in, out, shared or none"
        ) && text.contains("value=\"kept\""),
        "{text}"
    );
    // A contributor may not edit the estate.
    let (contrib, contrib_csrf) = sign_in(s, "contrib@acme.test").await;
    let refused = send(
        s,
        form(
            "/o/acme/estate/bms-dc2/edit",
            Some(&contrib),
            &[("csrf", &contrib_csrf), ("owner", "me")],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_owner_creates_an_engagement_in_the_browser() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let page = send(s, get("/o/acme/engagements", Some(&owner)))
        .await
        .text();
    assert!(
        page.contains("Create the engagement") && page.contains("soc2-2027"),
        "{page}"
    );
    let fields = |id: &'static str, to: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("id", id.to_string()),
            ("name", "SOC 2 Type II 2028".to_string()),
            ("report", "soc2".to_string()),
            ("type", "type2".to_string()),
            ("from", "2028-01-01".to_string()),
            ("to", to.to_string()),
            ("categories", "security".to_string()),
            ("categories", "availability".to_string()),
        ]
    };
    let send_form = |fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form("/o/acme/engagements", Some(&owner), &pairs)
    };
    // Refused: the form comes back with the message beside the field and what was typed.
    let refused = send(s, send_form(fields("Bad Id", "2028-12-31"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains("id=\"id-error\"")
            && text.contains("value=\"Bad Id\"")
            && text.contains("value=\"availability\" checked"),
        "{text}"
    );
    let refused = send(s, send_form(fields("soc2-2028", ""))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("id=\"to-error\""));
    // Created: the dashboard shows it from now on.
    let created = send(s, send_form(fields("soc2-2028", "2028-12-31"))).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    assert_eq!(
        created.headers[header::LOCATION],
        "/o/acme?engagement=soc2-2028"
    );
    let list = s
        .app_for("acme", "check")
        .engagement_list()
        .await
        .expect("list");
    let made = list
        .engagements
        .iter()
        .find(|e| e.id == "soc2-2028")
        .expect("created");
    assert_eq!(made.name, "SOC 2 Type II 2028");
    assert_eq!(made.categories.len(), 2);
    // Only owners create engagements.
    let (contrib, contrib_csrf) = sign_in(s, "contrib@acme.test").await;
    let refused = send(
        s,
        form(
            "/o/acme/engagements",
            Some(&contrib),
            &[
                ("csrf", &contrib_csrf),
                ("id", "x-1"),
                ("from", "2028-01-01"),
                ("to", "2028-12-31"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = send(s, get("/o/acme/engagements", Some(&contrib)))
        .await
        .text();
    assert!(!page.contains("Create the engagement"));
}

#[tokio::test]
async fn a_refused_comment_comes_back_with_what_was_typed() {
    let f = fixture(1 << 20).await;
    let s = &f.server;
    let (auditor, csrf) = sign_in(s, "auditor@acme.test").await;
    let uri = "/o/acme/requests/FP-AC-03/access-reviews";
    let refused = send(
        s,
        form(
            uri,
            Some(&auditor),
            &[
                ("csrf", &csrf),
                ("comment", "Q2 is <missing>"),
                ("status", "done"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains("id=\"status-error\"")
            && text.contains(">Q2 is &lt;missing&gt;</textarea>")
            && text.contains("aria-label=\"Main\""),
        "{text}"
    );
    let long = "x".repeat(20_000);
    let refused = send(
        s,
        form(uri, Some(&auditor), &[("csrf", &csrf), ("comment", &long)]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused
        .text()
        .contains("Nothing was saved: a comment has 1 to"));
}

#[tokio::test]
async fn a_supplier_report_is_reviewed_and_its_cuecs_answered_in_the_browser() {
    let f = fixture(8 << 20).await;
    let s = &f.server;
    let (owner, csrf) = sign_in(s, "owner@acme.test").await;
    let list = send(s, get("/o/acme/suppliers", Some(&owner))).await.text();
    assert!(list.contains("No supplier in the register yet") && list.contains("Add the supplier"));
    // A refused supplier comes back with the message beside its field and what was typed.
    let refused = send(
        s,
        form(
            "/o/acme/suppliers",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("id", "Bad Id"),
                ("name", "Lumen Devices plc"),
                ("criticality", "high"),
            ],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains("id=\"supplier-error\"") && text.contains("value=\"Lumen Devices plc\""),
        "{text}"
    );
    let added = send(
        s,
        form(
            "/o/acme/suppliers",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("id", "lumen"),
                ("name", "Lumen Devices plc"),
                ("criticality", "high"),
                ("services", "Device management platform; firmware delivery"),
            ],
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    assert_eq!(added.headers[header::LOCATION], "/o/acme/suppliers/lumen");
    // The report's PDF, uploaded: reviewed, recorded, its file and result in the ledger.
    let pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/reports/lumen-devices-soc2-type2.pdf"),
    )
    .expect("the fixture");
    let reviewed = send(
        s,
        upload_request(
            "/o/acme/suppliers/lumen/review",
            ("cookie", &owner),
            &[("csrf", &csrf), ("as-of", "2026-08-01")],
            &[("lumen-devices-soc2-type2.pdf", &pdf)],
        ),
    )
    .await;
    assert_eq!(
        reviewed.status,
        StatusCode::SEE_OTHER,
        "{}",
        reviewed.text()
    );
    let page = send(s, get("/o/acme/suppliers/lumen", Some(&owner)))
        .await
        .text();
    for expected in [
        "lumen-devices-soc2-type2.pdf",
        "availability-not-in-scope",
        "carve-out",
        "id=\"cuec-4\"",
        "Save the answer to CUEC 2",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let evidence = first_evidence(&page);
    let item = send(
        s,
        get(&format!("/o/acme/evidence/{evidence}"), Some(&owner)),
    )
    .await;
    assert_eq!(item.status, StatusCode::OK);
    assert!(item.text().contains("FP-VM-01"));
    // A gap without its due date comes back with the message beside the field.
    let gap = |due: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("review", "1".to_string()),
            ("status", "gap".to_string()),
            ("owner", "fleet ops".to_string()),
            ("due", due.to_string()),
        ]
    };
    let send_answer = |n: u32, fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(
            &format!("/o/acme/suppliers/lumen/cuecs/{n}"),
            Some(&owner),
            &pairs,
        )
    };
    let refused = send(s, send_answer(1, gap(""))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.text().contains("id=\"due-error\""),
        "{}",
        refused.text()
    );
    let saved = send(s, send_answer(1, gap("2026-10-31"))).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let mapped = send(
        s,
        send_answer(
            2,
            vec![
                ("csrf", csrf.clone()),
                ("controls", "FP-CM-01".to_string()),
                ("status", "addressed".to_string()),
            ],
        ),
    )
    .await;
    assert_eq!(mapped.status, StatusCode::SEE_OTHER, "{}", mapped.text());
    let page = send(s, get("/o/acme/suppliers/lumen", Some(&owner)))
        .await
        .text();
    assert!(
        page.contains("gap</strong>") || page.contains("gap, owner fleet ops"),
        "{page}"
    );
    assert!(page.contains("owner fleet ops, due 2026-10-31"), "{page}");
    let list = send(s, get("/o/acme/suppliers", Some(&owner))).await.text();
    assert!(list.contains("CUEC 3 of Lumen Devices plc"), "{list}");
    // Which NIST SP 800-53 controls the supplier implements: the page, then the downloads.
    let table = send(s, get("/o/acme/suppliers/lumen/controls", Some(&owner))).await;
    assert_eq!(table.status, StatusCode::OK);
    let html = table.text();
    assert!(
        html.contains("Which controls Lumen Devices plc implements"),
        "{html}"
    );
    assert!(html.contains("implemented by the provider"), "{html}");
    assert!(
        !html.contains("<td>customer</td>"),
        "the customer's controls only on request"
    );
    let all = send(
        s,
        get("/o/acme/suppliers/lumen/controls?show=all", Some(&owner)),
    )
    .await
    .text();
    assert!(all.contains("<td>customer</td>"));
    let csv = send(
        s,
        get("/o/acme/suppliers/lumen/controls?format=csv", Some(&owner)),
    )
    .await;
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv
        .text()
        .starts_with("framework,control,label,title,responsibility,"));
    let ssp = send(
        s,
        get(
            "/o/acme/suppliers/lumen/controls?format=oscal",
            Some(&owner),
        ),
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&ssp.text()).expect("OSCAL JSON");
    assert!(
        doc["system-security-plan"]["system-implementation"]["leveraged-authorizations"].is_array()
    );
    // A component operated by a subservice organisation links its supplier: the estate's
    // guard-co (Sentinel Guarding Services) operates the CCTV.
    let guard = send(
        s,
        form(
            "/o/acme/suppliers",
            Some(&owner),
            &[
                ("csrf", &csrf),
                ("id", "sentinel"),
                ("name", "Sentinel Guarding Services"),
                ("criticality", "medium"),
            ],
        ),
    )
    .await;
    assert_eq!(guard.status, StatusCode::SEE_OTHER, "{}", guard.text());
    let cctv = send(s, get("/o/acme/estate/cctv-dc2", Some(&owner)))
        .await
        .text();
    assert!(
        cctv.contains("<a href=\"/o/acme/suppliers/sentinel\">Sentinel Guarding Services</a>"),
        "{cctv}"
    );
    let bms = send(s, get("/o/acme/estate/bms-dc2", Some(&owner)))
        .await
        .text();
    assert!(
        !bms.contains("/o/acme/suppliers/sentinel"),
        "a component it does not operate"
    );
    // A recorded review's page links each fact to its page of the stored PDF, which is served
    // for the browser's viewer; the review report downloads as HTML, PDF and Markdown.
    let review = send(s, get("/o/acme/suppliers/lumen/reviews/1", Some(&owner))).await;
    assert_eq!(review.status, StatusCode::OK);
    let html = review.text();
    assert!(
        html.contains("/o/acme/suppliers/lumen/reviews/1/report.pdf#page=1"),
        "{html}"
    );
    let served = send(
        s,
        get("/o/acme/suppliers/lumen/reviews/1/report.pdf", Some(&owner)),
    )
    .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(served.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap_or_default()
        .starts_with("inline"));
    assert_eq!(served.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(served.body, pdf, "the stored file, byte for byte");
    for (format, kind) in [
        ("html", "text/html; charset=utf-8"),
        ("pdf", "application/pdf"),
        ("md", "text/markdown; charset=utf-8"),
    ] {
        let r = send(
            s,
            get(
                &format!("/o/acme/suppliers/lumen/reviews/1?format={format}"),
                Some(&owner),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{format}");
        assert_eq!(r.headers[header::CONTENT_TYPE], kind);
    }
    let own = send(s, get("/o/acme/cuecs/own", Some(&owner))).await;
    assert_eq!(own.status, StatusCode::OK);
    let own = own.text();
    assert!(
        own.contains("CUEC-01") && own.contains("Relies on it"),
        "{own}"
    );
    // A stored report swapped on disk (here for an HTML page) is not served.
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(f._dir.path(), &mut all);
    let blob = all
        .into_iter()
        .find(|p| std::fs::read(p).is_ok_and(|b| b == pdf))
        .expect("the stored report");
    let mut perms = std::fs::metadata(&blob).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&blob, perms).expect("writable");
    std::fs::write(&blob, b"%PDF-1.7\n<html><script>alert(1)</script></html>").expect("swap");
    let swapped = send(
        s,
        get("/o/acme/suppliers/lumen/reviews/1/report.pdf", Some(&owner)),
    )
    .await;
    assert_ne!(swapped.status, StatusCode::OK, "a swapped file is refused");
    assert!(
        swapped.text().contains("does not match the hash"),
        "{}",
        swapped.text()
    );
    let missing = send(s, get("/o/acme/suppliers/lumen/reviews/9", Some(&owner))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unknown = send(
        s,
        get(
            "/o/acme/suppliers/lumen/controls?baseline=nope",
            Some(&owner),
        ),
    )
    .await;
    assert_eq!(
        unknown.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unknown.text()
    );
    // A contributor reads the register but does not keep it.
    let (contrib, contrib_csrf) = sign_in(s, "contrib@acme.test").await;
    let page = send(s, get("/o/acme/suppliers/lumen", Some(&contrib)))
        .await
        .text();
    assert!(!page.contains("Save the answer"));
    let refused = send(
        s,
        form(
            "/o/acme/suppliers/lumen/cuecs/3",
            Some(&contrib),
            &[("csrf", &contrib_csrf), ("status", "open")],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
