//! `infra/bootstrap-user.yaml` against the handler: the role grants exactly the IAM actions the
//! handler calls, on its own path only; the custom resource passes only properties the handler
//! knows; the link token is NoEcho and reaches no output; the time limits fit together.

use std::collections::BTreeSet;

use serde_yaml::Value;

fn template() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/bootstrap-user.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// A `!Sub`/`!Ref`/`!GetAtt` (tagged) or plain value, as text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Tagged(tagged) => format!("{}:{}", tagged.tag, text(&tagged.value)),
        Value::Sequence(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => serde_yaml::to_string(other).unwrap(),
    }
}

fn list(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    }
}

#[test]
fn the_role_grants_exactly_the_handlers_iam_actions_on_its_own_path() {
    let t = template();
    let statements = &t["Resources"]["BootstrapRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let mut granted = BTreeSet::new();
    for statement in statements.as_sequence().unwrap() {
        assert_eq!(statement["Effect"], Value::from("Allow"));
        let actions = list(&statement["Action"]);
        let resource = text(&statement["Resource"]);
        for action in actions.iter().filter(|a| a.starts_with("iam:")) {
            assert!(
                resource.contains(":user/lambda-launcher/bootstrap/*")
                    || resource.contains(":policy/lambda-launcher/bootstrap/*"),
                "{action} on {resource}"
            );
            granted.insert(action.clone());
        }
        if actions.contains(&"iam:CreateUser".to_owned()) {
            assert_eq!(actions.len(), 1, "CreateUser has its own statement (boundary condition)");
            assert_eq!(
                text(&statement["Condition"]["StringEquals"]["iam:PermissionsBoundary"]),
                "!Ref:BootstrapUserBoundary"
            );
        }
        if actions.contains(&"iam:AttachUserPolicy".to_owned()) {
            assert!(text(&statement["Condition"]["ArnLike"]["iam:PolicyARN"])
                .contains(":policy/lambda-launcher/bootstrap/*"));
        }
        assert!(actions.iter().all(|a| a.starts_with("iam:") || a.starts_with("logs:")), "{actions:?}");
    }
    let wanted: BTreeSet<String> = bootstrap::iam::ACTIONS.iter().map(|a| a.to_string()).collect();
    assert_eq!(granted, wanted);
    assert_eq!(bootstrap::IAM_PATH, "/lambda-launcher/bootstrap/");
    let function = &t["Resources"]["BootstrapFunction"]["Properties"];
    assert_eq!(text(&function["Environment"]["Variables"][bootstrap::BOUNDARY_ENV]), "!Ref:BootstrapUserBoundary");
}

#[test]
fn the_custom_resource_matches_the_handler_and_keeps_the_token_out_of_outputs() {
    let t = template();
    let resources = t["Resources"].as_mapping().unwrap();
    assert!(!resources.contains_key("LauncherAccessPolicy"), "the handler creates the policy from policies/");
    let link = &t["Resources"]["LauncherLink"];
    assert_eq!(link["Type"], Value::from("Custom::LambdaLauncherLink"));
    let properties: BTreeSet<String> =
        link["Properties"].as_mapping().unwrap().keys().map(|k| k.as_str().unwrap().to_owned()).collect();
    let expected: BTreeSet<String> =
        ["ServiceToken", "ServiceTimeout", "LauncherUrl", "LinkToken", "Regions", "Name"].map(String::from).into();
    assert_eq!(properties, expected);
    assert_eq!(t["Parameters"]["LinkToken"]["NoEcho"], Value::from(true));
    let outputs = serde_yaml::to_string(&t["Outputs"]).unwrap();
    assert!(!outputs.contains("LinkToken") && !outputs.contains("Secret"), "{outputs}");
    for output in t["Outputs"].as_mapping().unwrap().values() {
        let value = text(&output["Value"]);
        let attribute = value.trim_start_matches("!GetAtt:LauncherLink.");
        assert!(["ConnectionId", "AccountId", "UserName", "PolicyArn"].contains(&attribute), "{value}");
    }

    // The handler answers before Lambda's timeout, and CloudFormation waits a little longer.
    let function = &t["Resources"]["BootstrapFunction"]["Properties"];
    assert_eq!(function["Runtime"], Value::from("provided.al2023"));
    assert_eq!(function["Handler"], Value::from("bootstrap"));
    assert_eq!(list(&function["Architectures"]), ["arm64"]);
    let timeout = function["Timeout"].as_u64().unwrap();
    let limits = bootstrap::Limits::default();
    assert!(timeout > (limits.answer_reserve + limits.cleanup_reserve + limits.http_timeout).as_secs() * 2);
    let service_timeout = link["Properties"]["ServiceTimeout"].as_u64().unwrap();
    assert!(service_timeout > timeout && service_timeout < 3600);
}
