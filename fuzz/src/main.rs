//! `yanglao-fuzz TARGET`: one of crates/fuzzing's targets under the fuzzer, in persistent mode.
//! The books an import needs are made once, before the fuzzer's first input.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = yanglao_fuzzing::Target::from_name(&name) else {
        let names: Vec<&str> = yanglao_fuzzing::Target::ALL
            .iter()
            .map(|t| t.name())
            .collect();
        eprintln!(
            "用法：yanglao-fuzz TARGET（TARGET 为 {} 之一）",
            names.join("、")
        );
        std::process::exit(2);
    };
    // A panic aborts the process (the fuzzer's crash), so no state is seen after one.
    let mut harness = std::panic::AssertUnwindSafe(yanglao_fuzzing::Harness::new(target));
    afl::fuzz!(|data: &[u8]| {
        harness.run(data);
    });
}
