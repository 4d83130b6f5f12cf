//! The `actsim` binary: parses arguments, runs the command, prints human or JSON output and sets
//! the exit status (0 ok, 1 an execution or expectation failed, 2 bad input).

#![deny(unsafe_code)]

mod allocator;
mod bundled;
mod cli;
mod diagnostics;
mod explore_command;
mod html_report;
mod init_command;
mod input;
mod lesson_command;
mod lesson_json;
mod lesson_report;
mod lessons;
mod metric_names;
mod output;
mod parallel;
mod progress;
mod run;
mod run_command;
mod serve_command;
mod serve_tls;
mod sim_output;
mod simulate_command;
mod style;
mod test_command;
mod watch;

use clap::Parser;

fn main() {
    output::install_print_panic_hook();
    // ACTSIM_FAST_PATHS=off turns actsim-js's fast paths off (they never change a result: the
    // tests compare traces with and without them). Read once, here, never inside a simulation.
    let fast_paths = std::env::var(actsim_js::FastPaths::ENV).ok();
    match actsim_js::FastPaths::parse_env(fast_paths.as_deref()) {
        Ok(Some(choice)) => choice.set_process_default(),
        Ok(None) => {}
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    }
    let cli = cli::Cli::parse();
    let long_running = match &cli.command {
        cli::Command::Serve(_) => true,
        cli::Command::Run(args) => args.watch,
        cli::Command::Simulate(args) => args.watch,
        _ => false,
    };
    if !long_running {
        allocator::keep_freed_memory();
    }
    let result = match cli.command {
        cli::Command::Run(args) if args.watch => watch::run(args),
        cli::Command::Run(args) => run_command::execute(args),
        cli::Command::Serve(args) => serve_command::execute(args),
        cli::Command::Simulate(args) if args.watch => watch::simulate(args),
        cli::Command::Simulate(args) => simulate_command::execute(args),
        cli::Command::Test(args) => test_command::execute(args),
        cli::Command::Lesson(args) => lesson_command::execute(args),
        cli::Command::Init(args) => init_command::execute(args),
        cli::Command::Explore(args) => explore_command::execute(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            std::process::exit(2);
        }
    }
}
