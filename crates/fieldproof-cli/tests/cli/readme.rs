//! The README's tour runs as written from a fresh clone: every command of its `sh` blocks, in
//! order, in a copy of the bundled examples, with only `fieldproof` on the PATH added. Commands
//! with `--fail-on` may exit 1 (that is what they demonstrate); every other command must
//! succeed. Every file the tour writes is one git ignores.

use super::temp;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The commands of the tour: the `sh` blocks between "## A short tour" and the next section,
/// without comments.
fn tour_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let tour = readme
        .split("\n## A short tour")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a tour section");
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in tour.lines() {
        if line.starts_with("```") {
            in_block = line.trim() == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        // A comment starts at a `#` after whitespace (none of the commands contains one).
        let command = match line.find(" #") {
            Some(at) => &line[..at],
            None if line.trim_start().starts_with('#') => "",
            None => line,
        };
        if !command.trim().is_empty() {
            commands.push(command.trim().to_string());
        }
    }
    commands
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn written(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read").flatten() {
        let path = entry.path();
        let relative = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        if relative.starts_with("examples") || relative.starts_with("scripts") {
            continue;
        }
        if path.is_dir() {
            // A trailing slash: git cannot tell that a path it has never seen is a directory.
            out.push(PathBuf::from(format!("{}/", relative.display())));
            if !relative.starts_with(".fieldproof") {
                written(&path, base, out);
            }
        } else {
            out.push(relative);
        }
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    let commands = tour_commands();
    assert!(
        commands.len() >= 25,
        "the tour has its commands: {commands:?}"
    );
    let dir = temp();
    let d = dir.path();
    copy_dir(&repo().join("examples"), &d.join("examples"));
    copy_dir(&repo().join("scripts"), &d.join("scripts"));
    let bin = assert_cmd::cargo::cargo_bin("fieldproof");
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for command in &commands {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(d)
            .env("PATH", &path)
            .env("FIELDPROOF_NOW", "2026-07-01T09:00:00Z")
            .env_remove("FIELDPROOF_WORKSPACE")
            .env_remove("FIELDPROOF_STORE")
            .output()
            .expect("sh runs");
        let allowed: &[i32] = if command.contains("--fail-on") {
            &[0, 1]
        } else {
            &[0]
        };
        assert!(
            out.status.code().is_some_and(|c| allowed.contains(&c)),
            "README tour: `{command}` exited {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut files = Vec::new();
    written(d, d, &mut files);
    assert!(files.iter().any(|f| f.ends_with("soc2-2026.zip")));
    let git = std::process::Command::new("git")
        .arg("-C")
        .arg(repo())
        .args(["check-ignore", "--no-index", "--verbose", "--non-matching"])
        .args(&files)
        .output()
        .expect("git runs");
    let not_ignored: Vec<String> = String::from_utf8_lossy(&git.stdout)
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(str::to_string)
        .collect();
    assert!(
        not_ignored.is_empty(),
        "the tour writes files git does not ignore: {not_ignored:?}"
    );
}
