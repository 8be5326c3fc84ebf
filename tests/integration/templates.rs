//! The deployment templates agree with the code: the table definition, the functions' shape and
//! routes, and the exact IAM actions a linked account grants.

use std::collections::BTreeSet;

use http::Method;
use launcher::aws::table;
use launcher::config::AuthMode;
use launcher::http::router;
use launcher_tests::*;
use serde_yaml::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn template() -> Value {
    serde_yaml::from_str(&read("template.yaml")).unwrap()
}

#[test]
fn the_table_in_template_yaml_is_the_one_local_provisioning_creates() {
    let t = template();
    let props = &t["Resources"]["LauncherTable"]["Properties"];
    let attributes: Vec<(String, String)> = props["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| (a["AttributeName"].as_str().unwrap().into(), a["AttributeType"].as_str().unwrap().into()))
        .collect();
    let expected: Vec<(String, String)> = table::attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name().to_owned(), a.attribute_type().as_str().to_owned()))
        .collect();
    assert_eq!(attributes, expected);
    let keys: Vec<(String, String)> = props["KeySchema"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| (k["AttributeName"].as_str().unwrap().into(), k["KeyType"].as_str().unwrap().into()))
        .collect();
    let expected: Vec<(String, String)> =
        table::key_schema().iter().map(|k| (k.attribute_name().to_owned(), k.key_type().as_str().to_owned())).collect();
    assert_eq!(keys, expected);
    assert_eq!(props["BillingMode"].as_str(), Some(table::BILLING_MODE.as_str()));
    let ttl = table::time_to_live();
    assert_eq!(props["TimeToLiveSpecification"]["AttributeName"].as_str(), Some(ttl.attribute_name()));
    assert_eq!(props["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(ttl.enabled()));
}

fn functions(t: &Value) -> Vec<(String, &Value)> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(name, r)| (name.as_str().unwrap().to_owned(), r))
        .collect()
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Sequence(list) => list.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
        other => panic!("unexpected Action {other:?}"),
    }
}

#[test]
fn functions_are_arm64_cargo_lambda_builds_that_reach_customers_only_through_linked_credentials() {
    let t = template();
    let functions = functions(&t);
    let binaries: BTreeSet<&str> =
        functions.iter().map(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap()).collect();
    assert_eq!(binaries, BTreeSet::from(["bootstrap", "invoke", "link", "list"]));
    for (name, f) in &functions {
        // The optional own-account bootstrap manages IAM users under its own path: its role is
        // checked against the handler's action list in functions/bootstrap/tests/template.rs.
        let bootstrap = f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some("bootstrap");
        assert_eq!(f["Metadata"]["BuildMethod"].as_str(), Some("rust-cargolambda"), "{name}");
        let props = &f["Properties"];
        assert_eq!(props["Runtime"].as_str(), Some("provided.al2023"), "{name}");
        assert_eq!(props["Architectures"][0].as_str(), Some("arm64"), "{name}");
        for policy in props["Policies"].as_sequence().unwrap() {
            for statement in policy["Statement"].as_sequence().unwrap() {
                for action in actions(statement) {
                    if bootstrap && action.starts_with("iam:") {
                        let resource = format!("{:?}", statement["Resource"]);
                        assert!(resource.contains("/lambda-launcher/bootstrap/"), "{name}: {action} on {resource}");
                        continue;
                    }
                    let sts = action == "sts:AssumeRole" || action == "sts:SetSourceIdentity";
                    assert!(
                        action.starts_with("dynamodb:") || action.starts_with("kms:") || sts,
                        "{name} grants {action}: linked accounts are reached with linked credentials only"
                    );
                    assert!(!action.contains('*'), "{name} grants a wildcard action {action}");
                    if sts {
                        let resource = format!("{:?}", statement["Resource"]);
                        assert!(resource.contains(":role/lambda-launcher-*"), "{name}: {action} on {resource}");
                    }
                }
            }
        }
    }
}

/// Every route in template.yaml is served by the function it points at, and every route the
/// router serves is in the template.
#[tokio::test]
async fn template_routes_match_each_functions_router() {
    let t = template();
    let sdk = launcher_sdk().await;
    let state =
        launcher::AppState::new(test_config("unused", "alias/unused", AuthMode::Authorizer), &sdk, None).unwrap();
    let mut declared = BTreeSet::new();
    let mut without_jwt = BTreeSet::new();
    for (_, f) in functions(&t) {
        let routes = match f["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap() {
            "list" => list::ROUTES,
            "invoke" => invoke::ROUTES,
            "link" => link::ROUTES,
            // A custom resource, not behind the API.
            "bootstrap" => {
                assert!(f["Properties"]["Events"].is_null(), "the bootstrap function has no routes");
                continue;
            }
            other => panic!("unknown binary {other}"),
        };
        for (_, event) in f["Properties"]["Events"].as_mapping().unwrap() {
            let method = event["Properties"]["Method"].as_str().unwrap().to_owned();
            let path = event["Properties"]["Path"].as_str().unwrap().to_owned();
            let concrete = path
                .replace("{connection}", "c")
                .replace("{region}", "us-east-1")
                .replace("{name}", "n")
                .replace("{preset}", "p")
                .replace("{asset}", "console.js")
                .replace("{id}", "c");
            let reply = call(
                router(state.clone(), routes),
                Method::from_bytes(method.as_bytes()).unwrap(),
                &concrete,
                None,
                None,
                &[],
            )
            .await;
            // Without credentials: the route exists and its authentication ran first. Only the
            // link-token routes and the console's static page and assets skip the JWT
            // authorizer: the former check their own token, the latter hold no data.
            let unauthorized_by_api_gateway = event["Properties"]["Auth"]["Authorizer"].as_str() == Some("NONE");
            let console = path == "/" || path == "/console/{asset}";
            if console {
                assert_eq!(reply.status, http::StatusCode::OK, "{method} {path} not served by {routes:?}");
                assert!(reply.headers.contains_key("content-security-policy"), "{method} {path}");
                assert_eq!((method.as_str(), routes), ("GET", list::ROUTES), "the list function serves the console");
            } else {
                let expected_code = if unauthorized_by_api_gateway { "link_token_invalid" } else { "unauthenticated" };
                assert_eq!(reply.code(), expected_code, "{method} {path} is not served by {routes:?}: {}", reply.text);
            }
            assert_eq!(
                unauthorized_by_api_gateway,
                path == "/link" || console,
                "{method} {path}: only /link and the console's static routes may skip the JWT authorizer"
            );
            if unauthorized_by_api_gateway {
                without_jwt.insert((method.clone(), path.clone()));
            }
            declared.insert((method, path));
        }
    }
    let expected: BTreeSet<(String, String)> = [
        ("GET", "/functions"),
        ("GET", "/functions/{connection}/{region}/{name}"),
        ("POST", "/functions/{connection}/{region}/{name}/invoke"),
        ("GET", "/connections"),
        ("POST", "/connections"),
        ("POST", "/connections/role-setup"),
        ("POST", "/connections/link-tokens"),
        ("POST", "/link"),
        ("DELETE", "/link"),
        ("GET", "/connections/{id}"),
        ("DELETE", "/connections/{id}"),
        ("GET", "/rules"),
        ("PUT", "/rules"),
        ("GET", "/audit"),
        ("GET", "/functions/{connection}/{region}/{name}/presets"),
        ("PUT", "/functions/{connection}/{region}/{name}/presets/{preset}"),
        ("DELETE", "/functions/{connection}/{region}/{name}/presets/{preset}"),
        ("GET", "/schemas"),
        ("PUT", "/schemas/{name}"),
        ("DELETE", "/schemas/{name}"),
        ("GET", "/"),
        ("GET", "/console/{asset}"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p.to_owned()))
    .collect();
    assert_eq!(declared, expected);
    // Exactly these routes skip the JWT authorizer: the link-token pair and the console's static files.
    let open: BTreeSet<(String, String)> =
        [("POST", "/link"), ("DELETE", "/link"), ("GET", "/"), ("GET", "/console/{asset}")]
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
    assert_eq!(without_jwt, open);
}

#[test]
fn the_linked_account_policy_grants_exactly_what_the_launcher_calls() {
    let policy: serde_json::Value = serde_json::from_str(&read("policies/launcher-access-policy.json")).unwrap();
    let granted: BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()))
        .collect();
    let expected = BTreeSet::from(
        ["lambda:ListFunctions", "lambda:GetFunction", "lambda:ListTags", "lambda:InvokeFunction"].map(String::from),
    );
    assert_eq!(granted, expected);
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow");
    }

    // Every customer-account template attaches the same statements.
    for template in ["infra/access-key-user.yaml", "infra/cross-account-role.yaml"] {
        let infra: Value = serde_yaml::from_str(&read(template)).unwrap();
        let managed = &infra["Resources"]["LauncherAccessPolicy"];
        assert_eq!(managed["Type"].as_str(), Some("AWS::IAM::ManagedPolicy"), "{template}");
        let infra_actions: BTreeSet<String> = managed["Properties"]["PolicyDocument"]["Statement"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(actions)
            .collect();
        assert_eq!(infra_actions, expected, "{template}");
    }
}

/// The role template trusts exactly the launcher account, on the External ID, for AssumeRole
/// and SetSourceIdentity.
#[test]
fn the_role_template_trusts_the_launcher_only_with_the_external_id() {
    let infra: Value = serde_yaml::from_str(&read("infra/cross-account-role.yaml")).unwrap();
    let trust = &infra["Resources"]["LauncherAccessRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"];
    let statements = trust.as_sequence().unwrap();
    assert_eq!(statements.len(), 1);
    let statement = &statements[0];
    assert_eq!(actions(statement), ["sts:AssumeRole", "sts:SetSourceIdentity"]);
    let principal = format!("{:?}", statement["Principal"]["AWS"]);
    assert!(principal.contains("${LauncherAccountId}:root"), "{principal}");
    let condition = format!("{:?}", statement["Condition"]["StringEquals"]["sts:ExternalId"]);
    assert!(condition.contains("ExternalId"), "{condition}");
}
