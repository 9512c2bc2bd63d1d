//! The deployment files of a test cluster (deploy/, docs/scale-out.md) say what the binary
//! accepts: each unit's and each container's command parses as a fieldproof command line, and
//! nothing listens on every interface of a host or publishes a port unless an operator adds it.

use super::repo;
use std::collections::BTreeMap;

/// The sections of a systemd unit file: name to (key, value) lines. Fails on a line that is not
/// a comment, a blank, a `[Section]` or a `Key=Value`.
fn unit(path: &std::path::Path) -> BTreeMap<String, Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).expect("unit");
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.entry(name.to_string()).or_default();
            current = Some(name.to_string());
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}:{}: not Key=Value: {line}", path.display(), n + 1));
        let section = current
            .clone()
            .unwrap_or_else(|| panic!("{}:{}: outside a section", path.display(), n + 1));
        sections
            .entry(section)
            .or_default()
            .push((key.trim().to_string(), value.trim().to_string()));
    }
    sections
}

fn value<'a>(
    sections: &'a BTreeMap<String, Vec<(String, String)>>,
    section: &str,
    key: &str,
) -> &'a str {
    sections
        .get(section)
        .and_then(|s| s.iter().find(|(k, _)| k == key))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in [{section}]"))
}

fn flag<'a>(args: &'a [String], name: &str) -> &'a str {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no {name} in {args:?}"))
}

#[test]
fn the_systemd_units_run_commands_the_binary_accepts_on_one_address() {
    let dir = repo().join("deploy/systemd");
    for (file, role) in [
        ("fieldproof-scheduler.service", "scheduler"),
        ("fieldproof-executor.service", "executor"),
    ] {
        let sections = unit(&dir.join(file));
        for section in ["Unit", "Service", "Install"] {
            assert!(sections.contains_key(section), "{file}: no [{section}]");
        }
        let exec = value(&sections, "Service", "ExecStart");
        let mut words = exec.split_whitespace().map(str::to_string);
        let program = words.next().expect("program");
        assert!(
            program.starts_with('/') && program.ends_with("/fieldproof"),
            "{file}: {program}"
        );
        let args: Vec<String> = words.collect();
        assert_eq!(
            args[..2],
            ["cluster".to_string(), role.to_string()],
            "{file}"
        );
        fieldproof_cli::check_command_line(&args).unwrap_or_else(|e| panic!("{file}: {e}"));
        let bind = flag(&args, "--bind");
        assert!(
            !bind.starts_with("0.0.0.0") && !bind.starts_with("[::]"),
            "{file}: {bind}"
        );
        assert_eq!(
            value(&sections, "Service", "NoNewPrivileges"),
            "yes",
            "{file}"
        );
        assert_ne!(value(&sections, "Service", "User"), "root", "{file}");
        if role == "executor" {
            let scheduler = flag(&args, "--scheduler");
            let scheduler_unit = unit(&dir.join("fieldproof-scheduler.service"));
            let scheduler_exec = value(&scheduler_unit, "Service", "ExecStart");
            assert!(
                scheduler_exec.contains(&format!("--bind {}", scheduler.trim_start_matches("df://"))),
                "{file}: the executor's --scheduler {scheduler} is where the scheduler unit listens"
            );
        }
    }
}

#[test]
fn the_container_definitions_run_commands_the_binary_accepts_and_publish_no_port() {
    let dir = repo().join("deploy/container");
    let containerfile = std::fs::read_to_string(dir.join("Containerfile")).expect("Containerfile");
    assert!(
        containerfile.contains("--features cluster"),
        "the image has the cluster roles"
    );
    assert!(containerfile.contains("ENTRYPOINT [\"/usr/local/bin/fieldproof\"]"));
    assert!(containerfile.contains("USER fieldproof"), "not root");
    let text = std::fs::read_to_string(dir.join("compose.yaml")).expect("compose");
    let compose: serde_json::Value =
        marked_yaml::from_yaml(0, &text).unwrap_or_else(|e| panic!("compose.yaml: {e}"));
    let services = compose["services"].as_object().expect("services");
    assert!(services.contains_key("scheduler"));
    let executors: Vec<&String> = services
        .keys()
        .filter(|k| k.starts_with("executor"))
        .collect();
    assert!(executors.len() >= 2, "{executors:?}");
    for (name, service) in services {
        let args: Vec<String> = service["command"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: command is a list"))
            .iter()
            .map(|a| a.as_str().expect("text").to_string())
            .collect();
        fieldproof_cli::check_command_line(&args).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(service.get("ports").is_none(), "{name} publishes a port");
        if name.starts_with("executor") {
            let scheduler = flag(&args, "--scheduler");
            let host = scheduler
                .trim_start_matches("df://")
                .split(':')
                .next()
                .unwrap_or("");
            assert!(
                services.contains_key(host),
                "{name}: --scheduler {scheduler} is a service"
            );
            assert_eq!(flag(&args, "--external-host"), name.as_str());
        }
    }
}
