//! Creates what `template.yaml` creates in AWS, in the local AWS stand-in: the table (from the
//! launcher's own table definition) and a KMS key reachable under `LAUNCHER_KMS_KEY_ID` (an alias).

pub async fn run() -> Result<(), String> {
    let table = std::env::var("LAUNCHER_TABLE").map_err(|_| "LAUNCHER_TABLE must be set")?;
    let key_alias = std::env::var("LAUNCHER_KMS_KEY_ID").map_err(|_| "LAUNCHER_KMS_KEY_ID must be set")?;
    if !key_alias.starts_with("alias/") {
        return Err("for provisioning, LAUNCHER_KMS_KEY_ID must be an alias such as alias/lambda-launcher".into());
    }
    let sdk = launcher::aws::sdk::load_from_env().await;
    launcher::aws::table::ensure_table(&aws_sdk_dynamodb::Client::new(&sdk), &table).await?;

    let kms = aws_sdk_kms::Client::new(&sdk);
    if kms.describe_key().key_id(&key_alias).send().await.is_err() {
        let key = kms
            .create_key()
            .description("Lambda Launcher: encrypts linked AWS secrets")
            .send()
            .await
            .map_err(|e| format!("create KMS key: {e:?}"))?;
        let key_id = key.key_metadata().map(|m| m.key_id().to_owned()).ok_or("KMS returned no key id")?;
        kms.create_alias()
            .alias_name(&key_alias)
            .target_key_id(key_id)
            .send()
            .await
            .map_err(|e| format!("create KMS alias: {e:?}"))?;
    }
    println!("provisioned table {table} and key {key_alias}");
    Ok(())
}
