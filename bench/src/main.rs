//! `make bench`: the figures of docs/performance.md, printed in one run (numbers, not pass/fail).
//!
//! Runs under `scripts/with-moto.sh` (the local AWS) and execs the binaries `make bench` built in
//! `target/perf`: the local server and the four function binaries.
//!
//! (a) warm sync invoke through the launcher — in-process router and over HTTP via the local
//!     server — against a direct SDK Invoke of the same function on the same local AWS;
//! (b) in-process overhead per request with every port answering at once;
//! (c) list fan-out over 10 connections x 3 regions against one single call;
//! (d) init time of each function binary, exec until its first poll of a loopback Runtime API;
//! (f) peak RSS of the local server during (a).
//! (e), binary and zip sizes, come from `make package`.

mod fakes;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use http::Method;
use launcher::app::Authenticator;
use launcher::aws::calls::CallCounter;
use launcher::domain::rules::RuleSet;
use launcher::http::{router, Routes};
use launcher::identity::jwt::JwtVerifier;
use launcher::service::Launcher;
use launcher::AppState;
use launcher_tests::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt};

const ROUNDS: usize = 5;
const PER_ROUND: usize = 60;
const OVERHEAD_REQUESTS: usize = 20_000;
const FANOUT_RUNS: usize = 30;
const INIT_RUNS: usize = 21;
const PAYLOAD: &[u8] = br#"{"order": 1234, "items": ["a", "b", "c"]}"#;

struct Stats {
    p50: Duration,
    p99: Duration,
}

fn stats(samples: &mut [Duration]) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats { p50: at(0.50), p99: at(0.99) }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn bin_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned();
    std::env::var_os("BENCH_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target/perf"))
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() {
    // No request logs on the benchmark's own output (the local server logs as it would deployed).
    let started = Instant::now();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("Lambda Launcher benchmark: {cpus} CPUs, local AWS (moto) at {}", moto_endpoint());
    println!("binaries from {}\n", bin_dir().display());

    let a = invoke_latency().await;
    let b = overhead().await;
    let c = fan_out().await;
    let d = init_times().await;

    println!("\n== summary (targets: docs/performance.md) ==");
    println!("AWS calls per warm invoke      {}", a.calls);
    println!(
        "(a) warm sync invoke p50/p99   direct SDK {} / {}; in-process {} / {} (x{:.2} / x{:.2}); over HTTP {} / {} (x{:.2} / x{:.2})   target x1.05",
        ms(a.direct.p50),
        ms(a.direct.p99),
        ms(a.in_process.p50),
        ms(a.in_process.p99),
        ratio(a.in_process.p50, a.direct.p50),
        ratio(a.in_process.p99, a.direct.p99),
        ms(a.http.p50),
        ms(a.http.p99),
        ratio(a.http.p50, a.direct.p50),
        ratio(a.http.p99, a.direct.p99),
    );
    println!(
        "    without the audit writes   in-process {} / {} (x{:.2} / x{:.2})",
        ms(a.no_audit.p50),
        ms(a.no_audit.p99),
        ratio(a.no_audit.p50, a.direct.p50),
        ratio(a.no_audit.p99, a.direct.p99),
    );
    println!("(b) in-process overhead        p50 {} / p99 {}   target p50 <= 50 µs", us(b.p50), us(b.p99));
    println!(
        "(c) list fan-out 10x3          x{:.2} (AWS-like 20 ms per call), x{:.2} (moto)   target x1.3",
        c.fake_ratio, c.moto_ratio
    );
    for (name, median) in &d {
        println!(
            "(d) init {name:<10}            {}   target <= 15 ms",
            median.map(ms).unwrap_or_else(|| "failed".into())
        );
    }
    println!(
        "(f) peak RSS, local server     {}   target <= 30 MB",
        a.server_rss_kb.map(|kb| format!("{:.1} MB", kb as f64 / 1024.0)).unwrap_or_else(|| "unknown".into())
    );
    println!(
        "    peak RSS, bench process    {}",
        vm_hwm_kb(std::process::id()).map(|kb| format!("{:.1} MB", kb as f64 / 1024.0)).unwrap_or_default()
    );
    println!("(e) binary and zip sizes: make package");
    println!("\nbench: done in {:.0} s", started.elapsed().as_secs_f64());
}

struct Latency {
    direct: Stats,
    in_process: Stats,
    http: Stats,
    no_audit: Stats,
    calls: String,
    server_rss_kb: Option<u64>,
}

/// The local server on a free port, serving `launcher`'s table and key; its pid and URL.
async fn local_server(launcher: &TestLauncher) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(bin_dir().join("launcher-local"))
        .arg("serve")
        .env("LAUNCHER_TABLE", &launcher.table)
        .env("LAUNCHER_KMS_KEY_ID", &launcher.key_alias)
        .env("LAUNCHER_AUTH_MODE", "jwt")
        .env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET)
        .env("LAUNCHER_JWT_ISSUER", ISSUER)
        .env("LAUNCHER_JWT_AUDIENCE", AUDIENCE)
        .env("LAUNCHER_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start target/perf/launcher-local (make bench builds it)");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = lines.next_line().await.expect("server output").expect("the server exited");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining its log so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

async fn invoke_latency() -> Latency {
    println!("(a) warm sync invoke, {} rounds of {PER_ROUND} per way, after warm-up", ROUNDS);
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "bench-echo", "echoes its input", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("bench", "prod", &account, &[REGION]).await;
    let rules = serde_json::json!({"grants": [{"groups": ["ops"], "functions": ["bench-*"], "actions": ["invoke"]}]});
    assert!(launcher.set_rules("bench", rules).await.status.is_success());
    let operator = token("olivia", "bench", &["ops"]);
    let path = format!("/functions/prod/{REGION}/bench-echo/invoke");

    let direct_sdk =
        sdk_config(Credentials::new(&account.access_key_id, &account.secret_access_key, None, None, "bench"), REGION)
            .await;
    let direct = aws_sdk_lambda::Client::new(&direct_sdk);
    let direct_invoke = || async {
        let out = direct
            .invoke()
            .function_name("bench-echo")
            .log_type(aws_sdk_lambda::types::LogType::Tail)
            .payload(aws_sdk_lambda::primitives::Blob::new(PAYLOAD))
            .send()
            .await
            .expect("direct invoke");
        assert_eq!(out.status_code(), 200);
    };

    let in_process = launcher.router();
    let no_audit_state = launcher.serving(launcher.state.launcher.with_audit(Arc::new(fakes::NoAudit)));
    let no_audit = router(no_audit_state, Routes::All);
    let through = |router: axum::Router| {
        let path = path.clone();
        let operator = operator.clone();
        async move {
            let reply = call(router, Method::POST, &path, Some(&operator), Some(PAYLOAD.to_vec()), &[]).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
    };

    let (mut server, url) = local_server(&launcher).await;
    let http = launcher_tests::http_client();
    let over_http = || async {
        let response = http
            .post(format!("{url}{path}"))
            .bearer_auth(&operator)
            .body(PAYLOAD.to_vec())
            .send()
            .await
            .expect("local server");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("body");
    };

    for _ in 0..20 {
        direct_invoke().await;
        through(in_process.clone()).await;
        through(no_audit.clone()).await;
        over_http().await;
    }
    launcher.calls.take();
    through(in_process.clone()).await;
    let calls = launcher.calls.take();
    let calls = calls.iter().map(|((s, o), n)| format!("{s}:{o} x{n}")).collect::<Vec<_>>().join(", ");

    let (mut d, mut i, mut h, mut n) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for _ in 0..PER_ROUND {
            let t = Instant::now();
            direct_invoke().await;
            d.push(t.elapsed());
        }
        for _ in 0..PER_ROUND {
            let t = Instant::now();
            through(in_process.clone()).await;
            i.push(t.elapsed());
        }
        for _ in 0..PER_ROUND {
            let t = Instant::now();
            over_http().await;
            h.push(t.elapsed());
        }
        for _ in 0..PER_ROUND {
            let t = Instant::now();
            through(no_audit.clone()).await;
            n.push(t.elapsed());
        }
    }
    let server_rss_kb = server.id().and_then(vm_hwm_kb);
    let _ = server.kill().await;
    let result = Latency {
        direct: stats(&mut d),
        in_process: stats(&mut i),
        http: stats(&mut h),
        no_audit: stats(&mut n),
        calls: format!("{calls} (the launcher's in-process calls, warm)"),
        server_rss_kb,
    };
    for (name, s) in [
        ("direct SDK Invoke", &result.direct),
        ("launcher, in-process router", &result.in_process),
        ("launcher, HTTP via local server", &result.http),
        ("launcher, in-process, no audit", &result.no_audit),
    ] {
        println!(
            "    {name:<34} p50 {:>9}  p99 {:>9}  x{:.2} / x{:.2}",
            ms(s.p50),
            ms(s.p99),
            ratio(s.p50, result.direct.p50),
            ratio(s.p99, result.direct.p99)
        );
    }
    println!("    calls per warm invoke: {}", result.calls);
    result
}

fn hs256_state(launcher: Launcher) -> Arc<AppState> {
    Arc::new(AppState {
        config: test_config("bench", "alias/bench", hs256_auth()),
        authenticator: Authenticator::Jwt(Box::new(
            JwtVerifier::hs256(&HS256_SECRET.to_owned().into(), ISSUER, AUDIENCE).expect("verifier"),
        )),
        launcher,
    })
}

fn ops_rules() -> RuleSet {
    serde_json::from_value(serde_json::json!({
        "version": 1,
        "grants": [{"groups": ["ops"], "functions": ["report-*", "bench-*"], "actions": ["invoke"]}]
    }))
    .expect("rules")
}

async fn overhead() -> Stats {
    println!("\n(b) in-process overhead: router, token check, rules, caches, audit record; every port instant");
    let store = Arc::new(fakes::FakeStore::new(1, &[REGION], ops_rules()));
    let accounts = Arc::new(fakes::FakeAccounts { list_delay: Duration::ZERO, functions_per_region: 1 });
    let launcher = Launcher::new(fakes::stores(store), Arc::new(fakes::FakeCipher), accounts, ADMIN_GROUP);
    let app = router(hs256_state(launcher), Routes::All);
    let operator = token("olivia", "bench", &["ops"]);
    let path = format!("/functions/prod/{REGION}/bench-echo/invoke");
    let once = || async {
        let reply = call(app.clone(), Method::POST, &path, Some(&operator), Some(PAYLOAD.to_vec()), &[]).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    };
    for _ in 0..1000 {
        once().await;
    }
    let mut samples = Vec::with_capacity(OVERHEAD_REQUESTS);
    for _ in 0..OVERHEAD_REQUESTS {
        let t = Instant::now();
        once().await;
        samples.push(t.elapsed());
    }
    let s = stats(&mut samples);
    println!("    {OVERHEAD_REQUESTS} warm sync invokes: p50 {}  p99 {}", us(s.p50), us(s.p99));
    s
}

struct FanOut {
    fake_ratio: f64,
    moto_ratio: f64,
}

async fn fan_out() -> FanOut {
    println!("\n(c) list fan-out: 10 connections x 3 regions against one single ListFunctions call");
    // AWS-like: every ListFunctions takes 20 ms, whatever else runs.
    let delay = Duration::from_millis(20);
    let store = Arc::new(fakes::FakeStore::new(10, &fakes::REGIONS, ops_rules()));
    let accounts = Arc::new(fakes::FakeAccounts { list_delay: delay, functions_per_region: 5 });
    let launcher = Launcher::new(fakes::stores(store), Arc::new(fakes::FakeCipher), accounts.clone(), ADMIN_GROUP);
    let app = router(hs256_state(launcher), Routes::All);
    let admin = admin_token("bench");
    let list = |app: axum::Router, admin: String| async move {
        let reply = call(app, Method::GET, "/functions?limit=200", Some(&admin), None, &[]).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json["functions"].as_array().map(Vec::len), Some(150));
    };
    list(app.clone(), admin.clone()).await;
    let mut all = Vec::new();
    let mut one = Vec::new();
    let credentials = launcher::domain::connection::LiveCredentials::access_key("AKIA", "x".to_owned().into());
    for _ in 0..FANOUT_RUNS {
        let t = Instant::now();
        list(app.clone(), admin.clone()).await;
        all.push(t.elapsed());
        let t = Instant::now();
        launcher::ports::LambdaAccounts::list_functions(&*accounts, &credentials, REGION).await.expect("list");
        one.push(t.elapsed());
    }
    let (all, one) = (stats(&mut all), stats(&mut one));
    let fake_ratio = ratio(all.p50, one.p50);
    println!(
        "    AWS-like (20 ms per call): 30 cells p50 {}, one call p50 {}: x{fake_ratio:.2}",
        ms(all.p50),
        ms(one.p50)
    );

    // The same shape on moto: ten accounts, three regions each, one function per region.
    let launcher = TestLauncher::start().await;
    let mut first = None;
    for i in 0..10 {
        let account = CustomerAccount::create().await;
        for region in fakes::REGIONS {
            account.create_function(region, &format!("fn-{i}"), "", &[]).await;
        }
        launcher.link("bench", &format!("c{i}"), &account, &fakes::REGIONS).await;
        first.get_or_insert(account);
    }
    let account = first.expect("an account");
    let direct_sdk =
        sdk_config(Credentials::new(&account.access_key_id, &account.secret_access_key, None, None, "bench"), REGION)
            .await;
    let direct = aws_sdk_lambda::Client::new(&direct_sdk);
    let admin = admin_token("bench");
    let list = || async {
        let reply = launcher.get("/functions?limit=200", &admin).await;
        assert_eq!(reply.json["functions"].as_array().map(Vec::len), Some(30), "{}", reply.text);
    };
    list().await;
    let counter: &CallCounter = &launcher.calls;
    counter.take();
    list().await;
    let warm_calls = counter.take();
    let (mut all, mut one) = (Vec::new(), Vec::new());
    for _ in 0..FANOUT_RUNS {
        let t = Instant::now();
        list().await;
        all.push(t.elapsed());
        let t = Instant::now();
        direct.list_functions().send().await.expect("direct list");
        one.push(t.elapsed());
    }
    let (all, one) = (stats(&mut all), stats(&mut one));
    let moto_ratio = ratio(all.p50, one.p50);
    println!(
        "    moto (one Python process answers all 30): 30 cells p50 {}, one call p50 {}: x{moto_ratio:.2}",
        ms(all.p50),
        ms(one.p50)
    );
    println!("    calls per warm list: {warm_calls:?}");
    FanOut { fake_ratio, moto_ratio }
}

/// Exec each function binary against a loopback Runtime API; the time from exec until its first
/// `GET /2018-06-01/runtime/invocation/next` arrives. Median of `INIT_RUNS`.
async fn init_times() -> Vec<(&'static str, Option<Duration>)> {
    println!("\n(d) init: exec until the first poll of the Runtime API (loopback), median of {INIT_RUNS}");
    let mut results = Vec::new();
    for name in ["list", "invoke", "link", "bootstrap"] {
        let mut samples = Vec::new();
        let mut failure = None;
        for _ in 0..INIT_RUNS {
            match init_once(name).await {
                Ok(d) => samples.push(d),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failure {
            println!("    {name:<10} failed: {e}");
            results.push((name, None));
            continue;
        }
        samples.sort();
        let median = samples[samples.len() / 2];
        println!(
            "    {name:<10} median {}  min {}  max {}",
            ms(median),
            ms(samples[0]),
            ms(samples[samples.len() - 1])
        );
        results.push((name, Some(median)));
    }
    results
}

async fn init_once(name: &str) -> Result<Duration, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let binary = bin_dir().join(name);
    let mut command = tokio::process::Command::new(&binary);
    command
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", format!("lambda-launcher-{name}"))
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/03/[$LATEST]bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/lambda-launcher-{name}"))
        .env("LAUNCHER_TABLE", "lambda-launcher")
        .env("LAUNCHER_KMS_KEY_ID", "alias/lambda-launcher")
        .env("LAUNCHER_ACCOUNT_ID", "123456789012")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let t = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("{}: {e}", binary.display()))?;
    let polled = tokio::time::timeout(Duration::from_secs(10), async {
        let (mut socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut buffer = [0u8; 256];
        let n = socket.read(&mut buffer).await.map_err(|e| e.to_string())?;
        let at = t.elapsed();
        let request = String::from_utf8_lossy(&buffer[..n]);
        if request.starts_with("GET /2018-06-01/runtime/invocation/next") {
            Ok(at)
        } else {
            Err(format!("unexpected first request: {}", request.lines().next().unwrap_or("")))
        }
    })
    .await;
    let _ = child.kill().await;
    match polled {
        Ok(result) => result,
        Err(_) => Err(format!("{name} did not poll within 10 s (exit: {:?})", child.try_wait())),
    }
}
