use std::process::ExitCode;

fn main() -> ExitCode {
    // Panics are bugs, not input errors: report them fully.
    let _ = color_eyre::install();
    lsbridge::cli::main_with(std::env::args_os().collect())
}
