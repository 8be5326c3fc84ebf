//! Access rules: deny by default. One function, [`authorize`], decides list, get and invoke.

use serde::{Deserialize, Serialize};
use wildmatch::WildMatch;

use super::function::FunctionRef;
use super::names;
use crate::error::{LauncherError, Result};
use crate::identity::Principal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    View,
    Invoke,
    InvokeAsync,
}

/// A tenant's rule set. `version` increases with every accepted change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    #[serde(default)]
    pub version: u64,
    pub grants: Vec<Grant>,
    /// Whether function owners may opt functions in with the `launcher:groups` tag.
    #[serde(default)]
    pub tag_opt_in: bool,
}

/// A function's tags, as AWS Lambda reports them.
pub type Tags = std::collections::BTreeMap<String, String>;

/// The opt-in tag: its value lists groups (space- or comma-separated) that may view the function
/// and invoke it synchronously. It applies only where the tenant's rules enable `tag_opt_in`.
pub const OPT_IN_TAG: &str = "launcher:groups";

/// One grant: who (groups and/or subjects), which functions (all selectors must match; `*` and `?`
/// are wildcards), and what they may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default = "any")]
    pub connections: Vec<String>,
    #[serde(default = "any")]
    pub regions: Vec<String>,
    #[serde(default = "any")]
    pub functions: Vec<String>,
    /// Tag selector: every `key: value` must be on the function (values may use `*` and `?`).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    pub actions: Vec<Action>,
}

fn any() -> Vec<String> {
    vec!["*".to_owned()]
}

/// What a principal may do with one function. Invoking implies viewing: a function one may run
/// is never hidden.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    pub view: bool,
    pub invoke: bool,
    pub invoke_async: bool,
}

impl Permissions {
    pub const ALL: Self = Self { view: true, invoke: true, invoke_async: true };

    pub fn allows(self, action: Action) -> bool {
        match action {
            Action::View => self.view,
            Action::Invoke => self.invoke,
            Action::InvokeAsync => self.invoke_async,
        }
    }

    pub fn names(self) -> Vec<&'static str> {
        [(self.view, "view"), (self.invoke, "invoke"), (self.invoke_async, "invoke_async")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect()
    }
}

/// The single access decision. The tenant boundary is not decided here: the rule set and the
/// function reference passed in already belong to the principal's tenant, because every store
/// lookup is keyed by the principal's tenant.
///
/// `tags` are the function's tags when known; `None` means not fetched, and then grants that
/// select by tag and the opt-in tag grant nothing (`needs_tags` says when fetching could matter).
/// Grants and the opt-in tag add up; nothing subtracts.
pub fn authorize(
    principal: &Principal,
    admin_group: &str,
    rules: &RuleSet,
    function: &FunctionRef,
    tags: Option<&Tags>,
) -> Permissions {
    if principal.in_group(admin_group) {
        return Permissions::ALL;
    }
    let mut granted = Permissions::default();
    if rules.tag_opt_in {
        let opted_in =
            tags.and_then(|t| t.get(OPT_IN_TAG)).map(|v| crate::identity::parse_list_claim(&v.clone().into()));
        if opted_in.is_some_and(|groups| groups.iter().any(|g| principal.in_group(g))) {
            granted.invoke = true;
        }
    }
    for grant in rules.grants.iter().filter(|g| g.applies_to(principal) && g.selects(function, tags)) {
        for action in &grant.actions {
            match action {
                Action::View => granted.view = true,
                Action::Invoke => granted.invoke = true,
                Action::InvokeAsync => granted.invoke_async = true,
            }
        }
    }
    granted.view |= granted.invoke || granted.invoke_async;
    granted
}

/// Whether a function's tags could change `authorize`'s answer for this principal.
pub fn needs_tags(principal: &Principal, admin_group: &str, rules: &RuleSet) -> bool {
    !principal.in_group(admin_group)
        && (rules.tag_opt_in || rules.grants.iter().any(|g| !g.tags.is_empty() && g.applies_to(principal)))
}

/// Whether any function in (connection, region) could be visible to the principal: the cheap
/// check that lets a listing skip AWS calls for places no grant of the caller reaches. It never
/// says no where `authorize` could say yes for some function name.
pub fn could_select(principal: &Principal, admin_group: &str, rules: &RuleSet, connection: &str, region: &str) -> bool {
    principal.in_group(admin_group)
        || rules.tag_opt_in
        || rules.grants.iter().any(|g| {
            g.applies_to(principal) && matches_any(&g.connections, connection) && matches_any(&g.regions, region)
        })
}

impl Grant {
    fn applies_to(&self, principal: &Principal) -> bool {
        self.groups.iter().any(|g| principal.in_group(g)) || self.subjects.contains(&principal.subject)
    }

    fn selects(&self, f: &FunctionRef, tags: Option<&Tags>) -> bool {
        matches_any(&self.connections, &f.connection)
            && matches_any(&self.regions, &f.region)
            && matches_any(&self.functions, &f.name)
            && (self.tags.is_empty()
                || tags.is_some_and(|tags| {
                    self.tags.iter().all(|(k, v)| tags.get(k).is_some_and(|actual| WildMatch::new(v).matches(actual)))
                }))
    }
}

fn matches_any(patterns: &[String], value: &str) -> bool {
    patterns.iter().any(|p| WildMatch::new(p).matches(value))
}

/// Bounds on a rule set, so one tenant cannot make every request slow or the row too large.
pub const MAX_GRANTS: usize = 200;
pub const MAX_ENTRIES_PER_LIST: usize = 50;
pub const MAX_PATTERN_LEN: usize = 128;
pub const MAX_TAGS: usize = 10;
pub const MAX_NAME_LEN: usize = 256;

/// Checks a rule set a tenant admin submitted; each problem names the grant and field.
pub fn validate(rules: &RuleSet) -> Result<()> {
    if rules.grants.len() > MAX_GRANTS {
        return Err(LauncherError::invalid(format!("grants: at most {MAX_GRANTS} grants")));
    }
    for (i, grant) in rules.grants.iter().enumerate() {
        let lists = [
            ("groups", grant.groups.len()),
            ("subjects", grant.subjects.len()),
            ("connections", grant.connections.len()),
            ("regions", grant.regions.len()),
            ("functions", grant.functions.len()),
        ];
        if let Some((field, _)) = lists.iter().find(|(_, len)| *len > MAX_ENTRIES_PER_LIST) {
            return Err(LauncherError::invalid(format!("grants[{i}].{field}: at most {MAX_ENTRIES_PER_LIST} entries")));
        }
        let at = |field: &str, why: &str| LauncherError::invalid(format!("grants[{i}].{field}: {why}"));
        if grant.groups.is_empty() && grant.subjects.is_empty() {
            return Err(at("groups", "a grant must name at least one group or subject"));
        }
        if grant.actions.is_empty() {
            return Err(at("actions", "a grant must allow at least one of view, invoke, invoke_async"));
        }
        for (field, patterns) in
            [("connections", &grant.connections), ("regions", &grant.regions), ("functions", &grant.functions)]
        {
            if patterns.is_empty() {
                return Err(at(field, "an empty selector matches nothing; omit it or use \"*\""));
            }
            for p in patterns {
                // Connection ids are lowercase; function names and regions have their own sets.
                let allowed = |c: char| match field {
                    "connections" => c.is_ascii_lowercase() || c.is_ascii_digit() || "-*?".contains(c),
                    _ => c.is_ascii_alphanumeric() || "-_*?".contains(c),
                };
                if p.is_empty() || p.len() > MAX_PATTERN_LEN || !p.chars().all(allowed) {
                    let shown = if p.chars().count() <= 32 { format!("'{p}'") } else { "a pattern".to_owned() };
                    let form = if field == "connections" {
                        "lowercase letters, digits, '-', '*', '?'"
                    } else {
                        "letters, digits, '-', '_', '*', '?'"
                    };
                    return Err(at(
                        field,
                        &format!("{shown} is not a valid pattern ({form}; at most {MAX_PATTERN_LEN})"),
                    ));
                }
            }
        }
        for (field, names) in [("groups", &grant.groups), ("subjects", &grant.subjects)] {
            for name in names.iter() {
                // API Gateway hands group claims over as "[a b]": a name with a space, comma,
                // bracket or quote could never match there.
                let bad = name.is_empty()
                    || name.len() > MAX_NAME_LEN
                    || name.chars().any(|c| c.is_whitespace() || c.is_control() || ",[]\"'".contains(c));
                if bad {
                    return Err(at(
                        field,
                        &format!(
                            "names must be 1-{MAX_NAME_LEN} characters without spaces, commas, brackets or quotes"
                        ),
                    ));
                }
            }
        }
        if grant.tags.len() > MAX_TAGS {
            return Err(at("tags", &format!("at most {MAX_TAGS} tags")));
        }
        for (key, value) in &grant.tags {
            if key.is_empty() || key.len() > 128 || value.len() > 256 {
                return Err(at("tags", "tag keys are 1-128 characters, values at most 256 (AWS's limits)"));
            }
        }
        // Literal (wildcard-free) selectors must be valid names, so typos are caught early.
        for r in grant.regions.iter().filter(|p| !p.contains(['*', '?'])) {
            names::region(r).map_err(|e| at("regions", &e.to_string()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(sub: &str, groups: &[&str]) -> Principal {
        Principal { subject: sub.into(), tenant: "acme".into(), groups: groups.iter().map(|s| s.to_string()).collect() }
    }

    fn f(conn: &str, region: &str, name: &str) -> FunctionRef {
        FunctionRef { connection: conn.into(), region: region.into(), name: name.into() }
    }

    fn rules(json: &str) -> RuleSet {
        let rules: RuleSet = serde_json::from_str(json).unwrap();
        validate(&rules).unwrap();
        rules
    }

    #[test]
    fn deny_by_default() {
        let p = principal("bob", &["ops"]);
        let none = authorize(&p, "admins", &RuleSet::default(), &f("prod", "us-east-1", "x"), None);
        assert_eq!(none, Permissions::default());
    }

    #[test]
    fn admins_get_everything() {
        let p = principal("root", &["admins"]);
        assert_eq!(authorize(&p, "admins", &RuleSet::default(), &f("c", "us-east-1", "x"), None), Permissions::ALL);
    }

    #[test]
    fn grants_select_by_connection_region_and_glob() {
        let r = rules(
            r#"{"grants":[{"groups":["ops"],"connections":["prod"],"regions":["us-east-1"],"functions":["report-*"],"actions":["invoke"]}]}"#,
        );
        let ops = principal("bob", &["ops"]);
        let p = authorize(&ops, "admins", &r, &f("prod", "us-east-1", "report-daily"), None);
        assert_eq!(p, Permissions { view: true, invoke: true, invoke_async: false });
        for other in [
            f("dev", "us-east-1", "report-daily"),
            f("prod", "eu-west-1", "report-daily"),
            f("prod", "us-east-1", "billing"),
        ] {
            assert_eq!(authorize(&ops, "admins", &r, &other, None), Permissions::default(), "{other:?}");
        }
        let billing = principal("carol", &["billing"]);
        assert_eq!(
            authorize(&billing, "admins", &r, &f("prod", "us-east-1", "report-daily"), None),
            Permissions::default()
        );
    }

    #[test]
    fn subjects_and_view_only() {
        let r = rules(r#"{"grants":[{"subjects":["dave"],"actions":["view"]}]}"#);
        let dave = principal("dave", &[]);
        assert_eq!(
            authorize(&dave, "admins", &r, &f("a", "us-east-1", "b"), None),
            Permissions { view: true, ..Default::default() }
        );
    }

    #[test]
    fn invoke_always_implies_view() {
        let r = rules(r#"{"grants":[{"groups":["ops"],"actions":["invoke_async"]}]}"#);
        let p = authorize(&principal("x", &["ops"]), "admins", &r, &f("a", "us-east-1", "b"), None);
        assert!(p.view && p.invoke_async && !p.invoke);
    }

    #[test]
    fn question_mark_glob() {
        let r = rules(r#"{"grants":[{"groups":["ops"],"functions":["job-?"],"actions":["view"]}]}"#);
        let ops = principal("x", &["ops"]);
        assert!(authorize(&ops, "admins", &r, &f("a", "us-east-1", "job-1"), None).view);
        assert!(!authorize(&ops, "admins", &r, &f("a", "us-east-1", "job-12"), None).view);
    }

    #[test]
    fn validation_names_the_bad_field() {
        let cases = [
            (r#"{"grants":[{"actions":["view"]}]}"#, "grants[0].groups"),
            (r#"{"grants":[{"groups":["ops"],"actions":[]}]}"#, "grants[0].actions"),
            (r#"{"grants":[{"groups":["ops"],"regions":[],"actions":["view"]}]}"#, "grants[0].regions"),
            (r#"{"grants":[{"groups":["ops"],"functions":["a/b"],"actions":["view"]}]}"#, "grants[0].functions"),
            (r#"{"grants":[{"groups":["ops"],"regions":["moon-1"],"actions":["view"]}]}"#, "grants[0].regions"),
            (r#"{"grants":[{"groups":["a b"],"actions":["view"]}]}"#, "grants[0].groups"),
            (r#"{"grants":[{"groups":["x,y"],"actions":["view"]}]}"#, "grants[0].groups"),
            (r#"{"grants":[{"subjects":["[z]"],"actions":["view"]}]}"#, "grants[0].subjects"),
            (r#"{"grants":[{"groups":["ops"],"connections":["PROD"],"actions":["view"]}]}"#, "grants[0].connections"),
            (r#"{"grants":[{"groups":["ops"],"functions":["re$port"],"actions":["view"]}]}"#, "grants[0].functions"),
        ];
        for (json, field) in cases {
            let r: RuleSet = serde_json::from_str(json).unwrap();
            let err = validate(&r).unwrap_err().to_string();
            assert!(err.starts_with(field), "{json}: {err}");
        }
    }

    #[test]
    fn tag_selectors_and_the_opt_in_tag() {
        let r = rules(r#"{"grants":[{"groups":["ops"],"tags":{"team":"o*"},"actions":["invoke"]}]}"#);
        let ops = principal("x", &["ops"]);
        let target = f("c", "us-east-1", "job");
        let ops_tags: Tags = [("team".to_owned(), "ops".to_owned())].into();
        let other_tags: Tags = [("team".to_owned(), "billing".to_owned())].into();
        assert!(authorize(&ops, "admins", &r, &target, Some(&ops_tags)).invoke);
        assert_eq!(authorize(&ops, "admins", &r, &target, Some(&other_tags)), Permissions::default());
        assert_eq!(authorize(&ops, "admins", &r, &target, None), Permissions::default(), "unknown tags grant nothing");
        assert!(needs_tags(&ops, "admins", &r));
        assert!(!needs_tags(&principal("y", &["billing"]), "admins", &r));

        let opted: Tags = [(OPT_IN_TAG.to_owned(), "billing ops".to_owned())].into();
        let billing = principal("b", &["billing"]);
        let off = RuleSet::default();
        assert_eq!(authorize(&billing, "admins", &off, &target, Some(&opted)), Permissions::default(), "opt-in is off");
        let on = RuleSet { tag_opt_in: true, ..RuleSet::default() };
        let p = authorize(&billing, "admins", &on, &target, Some(&opted));
        assert_eq!(p, Permissions { view: true, invoke: true, invoke_async: false });
        assert_eq!(
            authorize(&principal("z", &["sales"]), "admins", &on, &target, Some(&opted)),
            Permissions::default()
        );
        assert!(needs_tags(&billing, "admins", &on) && could_select(&billing, "admins", &on, "any", "us-east-1"));
    }

    #[test]
    fn could_select_never_hides_what_authorize_shows() {
        let r = rules(
            r#"{"grants":[{"groups":["ops"],"connections":["prod"],"regions":["eu-*"],"functions":["a*"],"actions":["view"]}]}"#,
        );
        let ops = principal("x", &["ops"]);
        assert!(could_select(&ops, "admins", &r, "prod", "eu-west-1"));
        assert!(!could_select(&ops, "admins", &r, "prod", "us-east-1"));
        assert!(!could_select(&ops, "admins", &r, "dev", "eu-west-1"));
        assert!(!could_select(&principal("y", &["billing"]), "admins", &r, "prod", "eu-west-1"));
        assert!(could_select(&principal("root", &["admins"]), "admins", &RuleSet::default(), "any", "us-east-1"));
        for (c, reg, n) in [("prod", "eu-west-1", "abc"), ("prod", "us-east-1", "abc"), ("dev", "eu-west-1", "a")] {
            if authorize(&ops, "admins", &r, &f(c, reg, n), None).view {
                assert!(could_select(&ops, "admins", &r, c, reg));
            }
        }
    }

    #[test]
    fn rule_sets_are_bounded() {
        let many = serde_json::json!({"grants": vec![serde_json::json!({"groups": ["g"], "actions": ["view"]}); MAX_GRANTS + 1]});
        let r: RuleSet = serde_json::from_value(many).unwrap();
        assert!(validate(&r).unwrap_err().to_string().starts_with("grants:"));
        let wide =
            serde_json::json!({"grants": [{"groups": vec!["g"; MAX_ENTRIES_PER_LIST + 1], "actions": ["view"]}]});
        let r: RuleSet = serde_json::from_value(wide).unwrap();
        assert!(validate(&r).unwrap_err().to_string().starts_with("grants[0].groups"));
    }

    #[test]
    fn unknown_fields_and_actions_are_refused() {
        assert!(serde_json::from_str::<RuleSet>(r#"{"grants":[{"groups":["a"],"actions":["view"],"colour":"red"}]}"#)
            .is_err());
        assert!(serde_json::from_str::<RuleSet>(r#"{"grants":[{"groups":["a"],"actions":["delete"]}]}"#).is_err());
    }
}

/// Properties over arbitrary rule sets, principals and functions (proptest). The alphabet is
/// small on purpose, so patterns, groups and names collide often and grants really apply.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const CASES: u32 = 2000;

    fn pattern() -> impl Strategy<Value = String> {
        prop_oneof![Just("*".to_owned()), "[ab][ab?*]{0,2}", "[ab]{1,3}"]
    }

    fn patterns() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(pattern(), 1..3)
    }

    fn grant() -> impl Strategy<Value = Grant> {
        (
            prop::collection::vec("[gh]", 0..3),
            prop::collection::vec("[st]", 0..2),
            patterns(),
            patterns(),
            patterns(),
            prop::collection::vec(
                prop_oneof![Just(Action::View), Just(Action::Invoke), Just(Action::InvokeAsync)],
                1..3,
            ),
        )
            .prop_map(|(groups, subjects, connections, regions, functions, actions)| Grant {
                groups,
                subjects,
                connections,
                regions,
                functions,
                tags: Tags::new(),
                actions,
            })
    }

    fn rule_set() -> impl Strategy<Value = RuleSet> {
        prop::collection::vec(grant(), 0..5).prop_map(|grants| RuleSet { version: 1, grants, tag_opt_in: false })
    }

    fn principal() -> impl Strategy<Value = Principal> {
        ("[st]", prop::collection::btree_set("[ghx]", 0..3)).prop_map(|(subject, groups)| Principal {
            subject,
            tenant: "acme".into(),
            groups,
        })
    }

    fn function() -> impl Strategy<Value = FunctionRef> {
        ("[ab]{1,3}", "[ab]{1,3}", "[ab]{1,3}").prop_map(|(connection, region, name)| FunctionRef {
            connection,
            region,
            name,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(CASES))]

        /// No rule set lets a principal run a function it cannot see.
        #[test]
        fn running_implies_seeing(rules in rule_set(), p in principal(), f in function()) {
            let granted = authorize(&p, "admins", &rules, &f, None);
            prop_assert!(!(granted.invoke || granted.invoke_async) || granted.view);
        }

        /// The listing shortcut never hides what authorize would show.
        #[test]
        fn could_select_covers_authorize(rules in rule_set(), p in principal(), f in function()) {
            if authorize(&p, "admins", &rules, &f, None).view {
                prop_assert!(could_select(&p, "admins", &rules, &f.connection, &f.region));
            }
        }

        /// Grants only add: one more grant never takes a permission away.
        #[test]
        fn grants_only_add(rules in rule_set(), extra in grant(), p in principal(), f in function()) {
            let before = authorize(&p, "admins", &rules, &f, None);
            let mut more = rules.clone();
            more.grants.push(extra);
            let after = authorize(&p, "admins", &more, &f, None);
            for action in [Action::View, Action::Invoke, Action::InvokeAsync] {
                prop_assert!(!before.allows(action) || after.allows(action));
            }
        }

        /// Deny by default: a principal no grant names gets nothing; admins get everything.
        #[test]
        fn strangers_get_nothing_and_admins_everything(rules in rule_set(), f in function()) {
            let stranger = Principal { subject: "nobody".into(), tenant: "acme".into(), groups: ["x".to_owned()].into() };
            prop_assert_eq!(authorize(&stranger, "admins", &rules, &f, None), Permissions::default());
            let admin = Principal { subject: "root".into(), tenant: "acme".into(), groups: ["admins".to_owned()].into() };
            prop_assert_eq!(authorize(&admin, "admins", &rules, &f, None), Permissions::ALL);
        }
    }
}
