//! Which process left a temporary file, and whether it is still running. Temporary files carry
//! `PID-START` (the process id and its start time in clock ticks since boot, from `/proc`), so a
//! recycled process id is never mistaken for the writer. Where `/proc` is not available nothing
//! is known, and nothing is cleaned.

/// The tag of this process: `PID-START`.
pub fn self_tag() -> String {
    let pid = std::process::id();
    format!("{pid}-{}", start_time(pid).unwrap_or(0))
}

/// The start time of process `pid`, in clock ticks since boot (field 22 of `/proc/PID/stat`).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces: count from the last
    // closing parenthesis, after which field 3 starts.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process that wrote a file tagged `PID-START` is still running: `Some(false)`
/// only when that is certain.
pub fn still_running(tag: &str) -> Option<bool> {
    let (pid, start) = tag.split_once('-')?;
    let (pid, start): (u32, u64) = (pid.parse().ok()?, start.parse().ok()?);
    if !std::path::Path::new("/proc/self/stat").exists() || start == 0 {
        return None;
    }
    Some(start_time(pid) == Some(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_running_and_a_dead_tag_is_not() {
        let tag = self_tag();
        if std::path::Path::new("/proc/self/stat").exists() {
            assert_eq!(still_running(&tag), Some(true));
            let (pid, start) = tag.split_once('-').expect("tag");
            let other_start: u64 = start.parse::<u64>().expect("start") + 1;
            assert_eq!(still_running(&format!("{pid}-{other_start}")), Some(false));
        }
        assert_eq!(still_running("garbage"), None);
    }
}
