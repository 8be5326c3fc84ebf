//! The launcher table's definition. `template.yaml` declares the same table; a test keeps them
//! equal, and the local provisioning creates the table from this definition.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};

pub const PARTITION_KEY: &str = "pk";
pub const SORT_KEY: &str = "sk";
pub const TTL_ATTRIBUTE: &str = "expires_at";
pub const BILLING_MODE: BillingMode = BillingMode::PayPerRequest;

pub fn attribute_definitions() -> Vec<AttributeDefinition> {
    [PARTITION_KEY, SORT_KEY]
        .into_iter()
        .map(|name| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set")
        })
        .collect()
}

pub fn key_schema() -> Vec<KeySchemaElement> {
    [(PARTITION_KEY, KeyType::Hash), (SORT_KEY, KeyType::Range)]
        .into_iter()
        .map(|(name, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .expect("name and key type are set")
        })
        .collect()
}

pub fn time_to_live() -> TimeToLiveSpecification {
    TimeToLiveSpecification::builder()
        .attribute_name(TTL_ATTRIBUTE)
        .enabled(true)
        .build()
        .expect("name and flag are set")
}

/// Creates the table (and its TTL setting) if it does not exist yet. Used by local provisioning
/// and tests; in AWS the table comes from `template.yaml`.
pub async fn ensure_table(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), String> {
    if client.describe_table().table_name(name).send().await.is_ok() {
        return Ok(());
    }
    client
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(attribute_definitions()))
        .set_key_schema(Some(key_schema()))
        .billing_mode(BILLING_MODE)
        .send()
        .await
        .map_err(|e| format!("create table {name}: {e:?}"))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(time_to_live())
        .send()
        .await
        .map_err(|e| format!("enable TTL on {name}: {e:?}"))?;
    Ok(())
}
