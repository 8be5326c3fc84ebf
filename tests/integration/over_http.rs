//! The local server's path: the same router over a real TCP socket with a real HTTP client.

use launcher::http::{router, Routes};
use launcher_tests::*;
use serde_json::{json, Value};

#[tokio::test]
async fn list_and_invoke_over_real_http() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(launcher.state.clone(), Routes::All);
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = launcher_tests::http_client();
    let admin = admin_token("acme");
    let list = client.get(format!("{base}/functions")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(list.status().as_u16(), 200);
    let list: Value = serde_json::from_str(&list.text().await.unwrap()).unwrap();
    assert_eq!(list["functions"][0]["name"], "hello");

    let run = client
        .post(format!("{base}/functions/prod/us-east-1/hello/invoke"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"over":"http"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(run.status().as_u16(), 200);
    let run: Value = serde_json::from_str(&run.text().await.unwrap()).unwrap();
    assert_eq!(run["payload"], json!({"over": "http"}));

    let anonymous = client.get(format!("{base}/functions")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(anonymous.headers()["content-type"], "application/problem+json");
    server.abort();
}
