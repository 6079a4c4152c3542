use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Panics are bugs, not input errors: report them fully.
    let _ = color_eyre::install();
    lsbridge::cli::main_with(std::env::args_os().collect())
}
