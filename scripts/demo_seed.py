"""Creates the demo's sample customer accounts in the local AWS (moto). Run by scripts/demo.sh
with the .venv Python.

  demo_seed.py access-key          account 210987654321 with seven functions and an IAM user;
                                   prints the access key the account admin hands to the launcher
  demo_seed.py role EXTERNAL_ID    account 310987654321 with two functions and the role that
                                   infra/cross-account-role.yaml creates; prints the role ARN
  demo_seed.py bootstrap-account   account 410987654321 with one function; prints shell exports of
                                   credentials acting in it (what the bootstrap function runs with)

Moto routes calls made with an assumed role's credentials to the role's account, so assuming a
role in another account id gives us a separate AWS account to fill with functions.
"""

import io
import json
import os
import sys
import zipfile

import boto3

ACCOUNT = "210987654321"
ROLE_ACCOUNT = "310987654321"
LAUNCHER_ACCOUNT = "123456789012"
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
BOOTSTRAP_ACCOUNT = "410987654321"
BOOTSTRAP_FUNCTIONS = [
    ("us-east-1", "report-quarterly", "Builds the quarterly report (in the bootstrapped account)", {"team": "ops"}),
]
ROLE_FUNCTIONS = [
    # Its input schema is stored in the launcher (PUT /schemas/month in the demo), named by a tag.
    ("us-east-1", "report-monthly", "Builds the monthly report (in the role-linked account)",
     {"team": "ops", "launcher:input-schema-ref": "month"}),
    ("us-east-1", "cache-flush", "Flushes the CDN cache", {"team": "platform"}),
]
FUNCTIONS = [
    ("us-east-1", "hello-world", "Greets whoever calls it", {"team": "platform", "launcher:input-schema": json.dumps(
        {"type": "object", "properties": {"name": {"type": "string", "title": "Name", "maxLength": 40}}},
        separators=(",", ":"))}),
    ("us-east-1", "report-daily", "Builds the daily sales report", {"team": "ops", "launcher:input-schema": json.dumps(
        {"type": "object", "required": ["date"], "additionalProperties": False, "properties": {
            "date": {"type": "string", "title": "Date", "description": "YYYY-MM-DD", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
            "draft": {"type": "boolean", "title": "Draft"}}}, separators=(",", ":"))}),
    ("us-east-1", "report-weekly", "Builds the weekly sales report", {"team": "ops"}),
    ("us-east-1", "billing-close", "Closes the billing month", {"team": "billing"}),
    ("us-east-1", "db-migrate", "Runs database migrations (admins only)", {"team": "platform"}),
    ("us-east-1", "inventory-sync", "Syncs inventory; its owner opted it in for ops", {"launcher:groups": "ops"}),
    ("eu-west-1", "eu-cleanup", "Deletes expired EU data", {"team": "ops"}),
]


def client(service, credentials=None, region="us-east-1"):
    creds = credentials or {
        "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
    }
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=region, **creds)


def account_admin(account):
    """Credentials acting inside `account`."""
    assumed = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/demo-setup", RoleSessionName="demo-setup"
    )["Credentials"]
    return {
        "aws_access_key_id": assumed["AccessKeyId"],
        "aws_secret_access_key": assumed["SecretAccessKey"],
        "aws_session_token": assumed["SessionToken"],
    }


def create_functions(admin, functions):
    iam = client("iam", admin)
    role = iam.create_role(
        RoleName="demo-function-exec",
        AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return event\n")
    for region, name, description, tags in functions:
        client("lambda", admin, region).create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
            Code={"ZipFile": code.getvalue()}, Description=description, Tags=tags,
        )


def access_key_account():
    admin = account_admin(ACCOUNT)
    iam = client("iam", admin)
    with open(os.path.join(os.path.dirname(__file__), "..", "policies", "launcher-access-policy.json")) as f:
        policy_document = f.read()
    policy = iam.create_policy(PolicyName="LambdaLauncherAccess", PolicyDocument=policy_document)
    iam.create_user(UserName="lambda-launcher")
    iam.attach_user_policy(UserName="lambda-launcher", PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName="lambda-launcher")["AccessKey"]
    create_functions(admin, FUNCTIONS)
    json.dump({"account_id": ACCOUNT, "access_key_id": key["AccessKeyId"],
               "secret_access_key": key["SecretAccessKey"]}, sys.stdout)


def role_account(external_id):
    """What deploying infra/cross-account-role.yaml with the launcher's parameters creates."""
    admin = account_admin(ROLE_ACCOUNT)
    iam = client("iam", admin)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{LAUNCHER_ACCOUNT}:root"},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    }]}
    role = iam.create_role(RoleName="lambda-launcher-access", AssumeRolePolicyDocument=json.dumps(trust))
    create_functions(admin, ROLE_FUNCTIONS)
    print(role["Role"]["Arn"])


def bootstrap_account():
    admin = account_admin(BOOTSTRAP_ACCOUNT)
    create_functions(admin, BOOTSTRAP_FUNCTIONS)
    for name, value in (("AWS_ACCESS_KEY_ID", admin["aws_access_key_id"]),
                        ("AWS_SECRET_ACCESS_KEY", admin["aws_secret_access_key"]),
                        ("AWS_SESSION_TOKEN", admin["aws_session_token"])):
        print(f"export {name}={value}")


def main():
    if sys.argv[1:2] == ["role"]:
        role_account(sys.argv[2])
    elif sys.argv[1:2] == ["bootstrap-account"]:
        bootstrap_account()
    else:
        access_key_account()


if __name__ == "__main__":
    main()
