//! thread_args: the values returned through join (and by scoped hilos) are the
//! computed ones.

use shared::testing::run;

#[test]
fn returned_values_are_the_computed_ones() {
    // Including more hilos than numbers (7 for 10) and a single hilo.
    for (threads, n) in [(3u64, 1_000u64), (7, 10), (1, 5)] {
        let run = run(
            env!("CARGO_BIN_EXE_thread_args"),
            &["--threads", &threads.to_string(), "--n", &n.to_string()],
        )
        .success();
        // Gauss: 1 + 2 + ... + n = n(n+1)/2, computed here independently.
        let gauss = (n * (n + 1) / 2) as i64;
        assert_eq!(run.int("sum_join"), gauss, "{run}");
        assert_eq!(run.int("sum_scoped"), gauss, "{run}");
        assert_eq!(run.int("expected"), gauss, "{run}");
    }
}
