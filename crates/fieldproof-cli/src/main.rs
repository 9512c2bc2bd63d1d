//! The `fieldproof` binary: parses the command line and hands over to the CLI library.

fn main() -> std::process::ExitCode {
    fieldproof_cli::main()
}
