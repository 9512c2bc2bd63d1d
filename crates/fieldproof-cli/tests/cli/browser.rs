//! The web app in a real browser: `fieldproof serve` and headless Chromium driven over
//! WebDriver (`chromedriver`; scripts/test installs Debian's chromium and chromium-driver). A
//! compliance lead signs in, browses, uploads evidence and sees its freshness change; another
//! organisation's pages are not found; the pack downloaded with the browser's session verifies
//! with the CLI; an auditor comments but cannot upload. Screenshots of the main pages are saved
//! under `target/tmp/screenshots/` for a reviewer.

use super::{fieldproof, free_port, repo, temp, Running};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One HTTP/1.1 request; returns status and body (chunked bodies decoded).
/// The evidence page's row of the FP-AM-01 inventory request.
const INVENTORY_ROW: &str = "href=\"/o/acme/requests/FP-AM-01/inventory\"";

fn http(
    method: &str,
    port: u16,
    path: &str,
    body: Option<&Value>,
    cookie: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if let Some(c) = cookie {
        request.push_str(&format!("Cookie: {c}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    stream.write_all(request.as_bytes()).expect("writes");
    // Read the header, then exactly the body (a server may keep the connection open).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = read_some(&mut stream, &mut buf).unwrap_or_else(|e| {
            panic!("{method} {path} on port {port}: reading the answer failed: {e}")
        });
        assert!(
            n > 0,
            "{method} {path}: connection closed before the header"
        );
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut rest = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let length: Option<usize> = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let complete = match length {
            Some(n) => rest.len() >= n,
            None if chunked => rest.windows(5).any(|w| w == b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = read_some(&mut stream, &mut buf).unwrap_or_else(|e| {
            panic!("{method} {path} on port {port}: reading the body failed: {e}")
        });
        if n == 0 {
            break;
        }
        rest.extend_from_slice(&buf[..n]);
    }
    if chunked {
        let mut decoded = Vec::new();
        loop {
            let line_end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16)
                .expect("hex size");
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest = rest[line_end + 2 + size + 2..].to_vec();
        }
        rest = decoded;
    }
    (status, rest)
}

/// One read, again when a signal interrupts it (other tests of this process send signals to
/// their children, and a read interrupted by one returns `Interrupted`).
fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// A WebDriver session.
struct Browser {
    port: u16,
    session: String,
    shots: PathBuf,
}

impl Browser {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, bytes) = http(
            method,
            self.port,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
            None,
        );
        let value: Value = serde_json::from_slice(&bytes).expect("WebDriver JSON");
        assert!(status < 300, "WebDriver {method} {path}: {value}");
        value["value"].clone()
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}\n{}", self.source()))
            .to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// The page source now. A navigation may still be committing under load (the source is
    /// then empty): checks wait for their text with [`Browser::wait_for_text`].
    fn source(&self) -> String {
        let value = self.call("GET", "/source", None);
        value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("WebDriver's page source is not text: {value}"))
    }

    /// The page source once it contains `text` (a click may return before the next page).
    fn wait_for_text(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let source = self.source();
            if source.contains(text) {
                return source;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the page never showed {text:?}:\n{source}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs axe-core (scripts/axe) over the page shown: no serious or critical violation of
    /// the WCAG 2.x A and AA rules. Returns how many rules passed, to show the check ran.
    fn accessible(&self, axe: &str, page: &str) -> usize {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": format!("{axe}\n;return typeof axe;"), "args": []})),
        );
        let result = self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": "const done = arguments[arguments.length - 1];\
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})\
                .then(r => done({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))}))\
                .catch(e => done({error: String(e)}));", "args": []})),
        );
        assert!(result["error"].is_null(), "axe failed on {page}: {result}");
        let serious: Vec<&Value> = result["violations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            serious.is_empty(),
            "{page}: serious or critical accessibility violations:\n{}",
            serde_json::to_string_pretty(&serious).unwrap_or_default()
        );
        let passes = result["passes"].as_u64().unwrap_or_default() as usize;
        assert!(passes > 0, "{page}: axe checked nothing: {result}");
        passes
    }

    fn screenshot(&self, name: &str) {
        let data = self.call("GET", "/screenshot", None);
        let png = decode_base64(data.as_str().expect("base64"));
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
        std::fs::write(self.shots.join(format!("{name}.png")), png).expect("screenshot written");
    }

    fn session_cookie(&self) -> String {
        let cookies = self.call("GET", "/cookie", None);
        let cookie = cookies
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == "fp_session")
            .expect("the session cookie");
        assert_eq!(cookie["httpOnly"], true);
        format!(
            "fp_session={}",
            cookie["value"].as_str().unwrap_or_default()
        )
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
    {
        let value = ALPHABET.iter().position(|a| *a == byte).expect("base64") as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

fn wait_for(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fieldproof"))
}

fn run_ok(dir: &Path, args: &[&str]) {
    fieldproof(dir)
        .env("FIELDPROOF_PASSWORD", PASSWORD)
        .args(args)
        .assert()
        .success();
}

#[test]
fn a_compliance_lead_and_an_auditor_use_the_web_app_in_a_real_browser() {
    for tool in ["chromium", "chromedriver"] {
        assert!(
            Command::new(tool).arg("--version").output().is_ok(),
            "{tool} is missing: scripts/test installs Debian's chromium and chromium-driver"
        );
    }
    let dir = temp();
    let d = dir.path();
    run_ok(
        d,
        &[
            "org",
            "add",
            "acme",
            "--name",
            "Northgate Data Centers",
            "--data",
            "data",
        ],
    );
    run_ok(d, &["org", "add", "globex", "--data", "data"]);
    run_ok(
        d,
        &[
            "user",
            "add",
            "--data",
            "data",
            "--email",
            "lead@acme.test",
            "--org",
            "acme",
            "--role",
            "owner",
        ],
    );
    run_ok(
        d,
        &[
            "user",
            "add",
            "--data",
            "data",
            "--email",
            "auditor@acme.test",
            "--org",
            "acme",
            "--role",
            "auditor",
            "--engagement",
            "soc2-2026",
        ],
    );
    run_ok(
        d,
        &[
            "user",
            "add",
            "--data",
            "data",
            "--email",
            "lead@globex.test",
            "--org",
            "globex",
            "--role",
            "owner",
        ],
    );
    let project = repo().join("examples/colocation-dc");
    run_ok(
        d,
        &[
            "assess",
            project.to_str().unwrap_or_default(),
            "--workspace",
            "data/orgs/acme",
            "--out",
            "out",
        ],
    );
    std::fs::write(
        d.join("q2-asset-inventory.csv"),
        "Q2 access review of the BMS and PACS consoles, signed.\n",
    )
    .expect("evidence file");

    let web = free_port();
    let _server = Running(
        Command::new(binary())
            .current_dir(d)
            .args([
                "serve",
                "--data",
                "data",
                "--bind",
                &format!("127.0.0.1:{web}"),
                "--log-format",
                "json",
            ])
            .env("FIELDPROOF_LOG", "fieldproof_web=info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("serve.log")).expect("serve.log"))
            .spawn()
            .expect("fieldproof serve starts"),
    );
    let driver_port = free_port();
    let _driver = Running(
        Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    wait_for(web, "fieldproof serve");
    wait_for(driver_port, "chromedriver");
    let (status, body) = http(
        "POST",
        driver_port,
        "/session",
        Some(&json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // A loaded machine (the whole suite on two cores) runs pages and axe slowly.
            "timeouts": {"script": 120000, "pageLoad": 120000, "implicit": 0},
            "goog:chromeOptions": {"binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]}
        }}})),
        None,
    );
    let created: Value = serde_json::from_slice(&body).expect("session JSON");
    assert_eq!(status, 200, "{created}");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let browser = Browser {
        port: driver_port,
        session: created["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_string(),
        shots,
    };
    let base = format!("http://127.0.0.1:{web}");
    // axe-core, the accessibility checker run on every page (scripts/axe installs it).
    let axe_file = super::installed("FIELDPROOF_AXE", "axe");
    let axe = std::fs::read_to_string(&axe_file).expect("axe-core's axe.min.js");
    let mut checked = Vec::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Every page: a screenshot for a reviewer, and the accessibility check.
        let mut check = |name: &str| {
            browser.screenshot(name);
            checked.push((name.to_string(), browser.accessible(&axe, name)));
        };
        let phone = |on: bool| {
            let (width, height) = if on { (390, 844) } else { (1280, 900) };
            browser.call(
                "POST",
                "/window/rect",
                Some(json!({"width": width, "height": height})),
            );
        };
        let sign_in = |email: &str| {
            browser.type_into("#email", email);
            browser.type_into("#password", PASSWORD);
            browser.click("form button[type=submit]");
        };

        // The compliance lead signs in and reads why readiness is what it is.
        browser.open(&format!("{base}/o/acme"));
        browser.wait_for_text("Sign in");
        check("01-login");
        sign_in("lead@acme.test");
        let dashboard = browser.wait_for_text("Why readiness is");
        assert!(dashboard.contains("Test results"), "{dashboard}");
        check("02-dashboard");
        browser.click("a[href='/o/acme/controls?design=not_stated']");
        browser.wait_for_text("applicable controls: design not stated");
        check("03-controls-not-stated");
        browser.open(&format!("{base}/o/acme/estate"));
        browser.wait_for_text("bms-dc2");
        check("04-estate");

        // A design status: a gap without a due date is refused beside the field, what was
        // typed stays; with the date it is saved and confirmed.
        browser.open(&format!("{base}/o/acme/controls/FP-AC-01"));
        browser.wait_for_text("Save the design status");
        browser.click("#status option[value='planned']");
        browser.type_into("#owner", "OT security lead");
        browser.type_into("#rationale", "MFA on the jump host is being rolled out.");
        browser.click("#design-status-form button[type=submit]");
        let refused = browser.wait_for_text("id=\"due-error\"");
        assert!(
            refused.contains("Due date is needed")
                && refused.contains("value=\"OT security lead\"")
                && !refused.contains("--due"),
            "{refused}"
        );
        check("05-design-status-refused");
        browser.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "document.getElementById('due').value = '2027-03-31';", "args": []})),
        );
        browser.click("#design-status-form button[type=submit]");
        browser.wait_for_text("The design status of FP-AC-01 is saved");
        check("06-design-status-saved");

        // Upload evidence from a request's row: the FP-AM-01 inventory request gains a window.
        let covered = |source: &str| -> usize {
            // The row of FP-AM-01 inventory: its freshness badge, then "N of 4" windows.
            let at = source
                .find(INVENTORY_ROW)
                .unwrap_or_else(|| panic!("no FP-AM-01 inventory row in:\n{source}"));
            let row = &source[at..];
            let windows = &row[row.find("</span></td><td>").expect("the windows cell") + 16..];
            windows
                .split(" of ")
                .next()
                .and_then(|n| n.trim().parse().ok())
                .expect("windows covered")
        };
        browser.open(&format!("{base}/o/acme/evidence"));
        let before = covered(&browser.wait_for_text(INVENTORY_ROW));
        check("07-evidence");
        browser.click("a[href$='control=FP-AM-01&request=inventory']");
        browser.wait_for_text("Recorded in engagement");
        check("08-upload");
        browser.type_into(
            "#files",
            d.join("q2-asset-inventory.csv")
                .to_str()
                .unwrap_or_default(),
        );
        browser.click("form[enctype] button[type=submit]");
        let changed = browser.wait_for_text("What changed");
        assert!(changed.contains("FP-AM-01 / inventory"), "{changed}");
        check("09-evidence-added");
        // The item it added, and its download.
        browser.click("main table a.id");
        let item = browser.wait_for_text("Ledger entry");
        assert!(item.contains("q2-asset-inventory.csv"), "{item}");
        check("10-evidence-item");
        let id = item
            .split("<h1>")
            .nth(1)
            .and_then(|h| h.split(' ').next())
            .expect("the evidence id")
            .to_string();
        let cookie = browser.session_cookie();
        let (status, bytes) = http(
            "GET",
            web,
            &format!("/o/acme/evidence/{id}/content"),
            None,
            Some(&cookie),
        );
        assert_eq!(status, 200);
        assert_eq!(
            bytes,
            std::fs::read(d.join("q2-asset-inventory.csv")).expect("the file")
        );
        browser.open(&format!("{base}/o/acme/evidence"));
        let after = covered(&browser.wait_for_text(INVENTORY_ROW));
        assert_eq!(
            after,
            before + 1,
            "freshness changed: {before} -> {after} windows"
        );

        // Preview and apply an estate change: the BMS declared in scope.
        let estate = std::fs::read_to_string(repo().join("examples/colocation-dc/estate.yaml"))
            .expect("estate")
            .replacen("declared_scope: out", "declared_scope: in", 1);
        std::fs::write(d.join("estate-q3.yaml"), estate).expect("estate written");
        browser.open(&format!("{base}/o/acme/estate"));
        browser.wait_for_text("Load an estate file");
        browser.type_into(
            "#estate",
            d.join("estate-q3.yaml").to_str().unwrap_or_default(),
        );
        browser.click("form[enctype] button[type=submit]");
        browser.wait_for_text("Nothing is stored yet");
        check("11-estate-preview");
        browser.click("form[action$='/estate/apply'] button");
        browser.wait_for_text("<h1>Applied</h1>");
        check("12-estate-applied");

        // Findings, tests, reports, samples and the ledger.
        for (page, shot, expected) in [
            (
                "findings?severity=medium",
                "13-findings",
                "match the filters",
            ),
            (
                "tests/ac-privileged-sessions",
                "14-test-exceptions",
                "Exception rows (5)",
            ),
            ("reports", "15-reports", "readiness.pdf"),
            ("ledger", "16-ledger", "hash-chained"),
            (
                "samples?dataset=changes&frequency=per_event&seed=audit-2026",
                "17-samples",
                "Population SHA-256",
            ),
        ] {
            browser.open(&format!("{base}/o/acme/{page}"));
            browser.wait_for_text(expected);
            check(shot);
        }
        // A control's test procedures lead to a sample of its population, which downloads
        // as CSV.
        browser.open(&format!("{base}/o/acme/controls/FP-AC-04"));
        browser.wait_for_text("Test it on a sample");
        browser.click("a[href*='/samples?frequency=']");
        let sample = browser.wait_for_text("Population SHA-256");
        assert!(sample.contains("access_sessions"), "{sample}");
        let cookie = browser.session_cookie();
        let (status, csv) = http(
            "GET",
            web,
            "/o/acme/samples?dataset=changes&frequency=quarterly&seed=audit-2026&format=csv",
            None,
            Some(&cookie),
        );
        assert_eq!(status, 200);
        assert!(
            csv.starts_with(b"rank,key,"),
            "{}",
            String::from_utf8_lossy(&csv)
        );
        browser.open(&format!("{base}/o/acme/reports/readiness.html"));
        browser.wait_for_text("How this report will read");
        browser.screenshot("18-readiness-report");
        let cookie = browser.session_cookie();
        let (status, pdf) = http(
            "GET",
            web,
            "/o/acme/reports/readiness.pdf",
            None,
            Some(&cookie),
        );
        assert_eq!(status, 200);
        assert!(pdf.starts_with(b"%PDF"), "the readiness PDF");
        // The pack, downloaded with the browser's session, verifies with the CLI.
        let (status, zip) = http("GET", web, "/o/acme/pack", None, Some(&cookie));
        assert_eq!(status, 200);
        std::fs::write(d.join("downloaded.zip"), zip).expect("pack written");
        fieldproof(d)
            .args(["verify", "downloaded.zip"])
            .assert()
            .success();

        // The supplier register: a supplier added, its report's PDF reviewed, a CUEC answered.
        browser.open(&format!("{base}/o/acme/suppliers"));
        browser.wait_for_text("Add a supplier");
        browser.type_into("#supplier", "northwind");
        browser.type_into("#name", "Northwind Hosting Ltd");
        browser.click("#criticality option[value='critical']");
        browser.click("form.stack button[type=submit]");
        browser.wait_for_text("Review a report");
        browser.type_into(
            "#report",
            // A file input takes a canonical path.
            repo()
                .join("examples/reports/northwind-hosting-soc2-type2.pdf")
                .canonicalize()
                .expect("the fixture report")
                .to_str()
                .unwrap_or_default(),
        );
        browser.click("form[enctype] button[type=submit]");
        let reviewed = browser.wait_for_text("Complementary user entity controls");
        assert!(reviewed.contains("carve-out"), "{reviewed}");
        check("27-supplier-reviewed");
        browser.type_into("#controls-2", "FP-AC-06");
        browser.click("#cuec-2 form button[type=submit]");
        let answered =
            browser.wait_for_text("<strong>addressed by <a href=\"/o/acme/controls/FP-AC-06\">");
        assert!(answered.contains("CUEC 3"), "{answered}");
        browser.open(&format!("{base}/o/acme/suppliers"));
        browser.wait_for_text("What the register asks for");
        check("28-suppliers");
        // Which NIST SP 800-53 controls the supplier implements, from the supplier's page.
        browser.open(&format!("{base}/o/acme/suppliers/northwind"));
        browser.click("a[href='/o/acme/suppliers/northwind/controls']");
        let table = browser.wait_for_text("Which controls Northwind Hosting Ltd implements");
        assert!(
            table.contains("tsc2017:CC6.2"),
            "the path of a provider control"
        );
        check("29-supplier-controls");
        // One recorded review: each fact links its page of the stored PDF.
        browser.open(&format!("{base}/o/acme/suppliers/northwind/reviews/1"));
        let review = browser.wait_for_text("What the report says");
        assert!(
            review.contains("report.pdf#page=2"),
            "a fact links its page"
        );
        check("30-supplier-review");

        // Another organisation's pages are not found; the error page keeps the navigation.
        browser.open(&format!("{base}/o/globex"));
        browser.wait_for_text("Not found");
        check("19-not-found");

        // A phone: cards two a row, findings as cards.
        phone(true);
        browser.open(&format!("{base}/o/acme"));
        browser.wait_for_text("Why readiness is");
        check("20-dashboard-phone");
        browser.open(&format!("{base}/o/acme/findings"));
        browser.wait_for_text("open findings");
        check("21-findings-phone");
        phone(false);

        // The auditor: lands on the requests, opens evidence, reads a test's exception rows,
        // comments and sets a status in one step, downloads the pack.
        browser.open(&format!("{base}/o/acme"));
        browser.click("form.signout button");
        browser.wait_for_text("Sign in");
        sign_in("auditor@acme.test");
        let landing = browser.wait_for_text("Requests by status");
        assert!(
            landing.contains("auditor@acme.test (auditor)") && !landing.contains("Add evidence"),
            "{landing}"
        );
        check("22-auditor-requests");
        browser.open(&format!("{base}/o/acme/evidence/{id}"));
        let item = browser.wait_for_text("Ledger entry");
        assert!(!item.contains("Retire "), "an auditor retires nothing");
        check("23-auditor-evidence");
        browser.open(&format!("{base}/o/acme/tests/ac-privileged-sessions"));
        browser.wait_for_text("Exception rows (5)");
        check("24-auditor-exceptions");
        browser.open(&format!("{base}/o/acme/requests/FP-AC-03/access-reviews"));
        browser.wait_for_text("Comment and set the status");
        browser.type_into("#comment", "Q3 and Q4 reviews are still missing.");
        browser.click("#status option[value='needs_more']");
        browser.click("form.stack button[type=submit]");
        let thread = browser.wait_for_text("Q3 and Q4 reviews are still missing.");
        assert!(thread.contains("keep: needs more"), "{thread}");
        check("25-auditor-request");
        let cookie = browser.session_cookie();
        let (status, zip) = http("GET", web, "/o/acme/pack", None, Some(&cookie));
        assert_eq!(status, 200);
        std::fs::write(d.join("auditor.zip"), zip).expect("pack written");
        fieldproof(d)
            .args(["verify", "auditor.zip"])
            .assert()
            .success();
        let (status, _) = http(
            "POST",
            web,
            "/o/acme/evidence",
            Some(&json!({})),
            Some(&cookie),
        );
        assert!(
            status == 403 || status == 400,
            "an auditor's upload is refused: {status}"
        );
        let (status, _) = http(
            "GET",
            web,
            "/o/acme/evidence?engagement=soc2-2027",
            None,
            Some(&cookie),
        );
        assert_eq!(
            status, 404,
            "another engagement is not found for the auditor"
        );
        phone(true);
        browser.open(&format!("{base}/o/acme/requests"));
        browser.wait_for_text("Requests by status");
        check("26-auditor-requests-phone");
        phone(false);
    }));
    eprintln!("accessibility checked (axe-core, WCAG 2.x A/AA): {checked:?}");
    let _ = http(
        "DELETE",
        driver_port,
        &format!("/session/{}", browser.session),
        None,
        None,
    );
    if let Err(panic) = result {
        eprintln!(
            "fieldproof serve's log:\n{}",
            std::fs::read_to_string(d.join("serve.log")).unwrap_or_default()
        );
        std::panic::resume_unwind(panic);
    }
    // The server's log is one JSON object per event, with a line per request.
    let log = std::fs::read_to_string(d.join("serve.log")).expect("serve.log");
    // (The first line is the notice saying where the server listens, written for people.)
    let events: Vec<Value> = log
        .lines()
        .filter(|line| !line.starts_with("fieldproof serving"))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(
        events.iter().any(|e| e["fields"]["message"] == "request"
            && e["fields"]["path"] == "/o/acme"
            && e["fields"]["status"] == 200
            && e["level"] == "INFO"),
        "{log}"
    );
}
