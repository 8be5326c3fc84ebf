"""Creates the demo's sample customer account in the local AWS (moto) and prints, as JSON, the
access key the account admin hands to the launcher. Run by scripts/demo.sh with the .venv Python.

Moto routes calls made with an assumed role's credentials to the role's account, so assuming a
role in 210987654321 gives us a second, separate AWS account to fill with functions.
"""

import io
import json
import os
import sys
import zipfile

import boto3

ACCOUNT = "210987654321"
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
FUNCTIONS = [
    ("us-east-1", "hello-world", "Greets whoever calls it", {"team": "platform"}),
    ("us-east-1", "report-daily", "Builds the daily sales report", {"team": "ops"}),
    ("us-east-1", "report-weekly", "Builds the weekly sales report", {"team": "ops"}),
    ("us-east-1", "billing-close", "Closes the billing month", {"team": "billing"}),
    ("us-east-1", "db-migrate", "Runs database migrations (admins only)", {"team": "platform"}),
    ("eu-west-1", "eu-cleanup", "Deletes expired EU data", {"team": "ops"}),
]


def client(service, credentials=None, region="us-east-1"):
    creds = credentials or {
        "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
    }
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=region, **creds)


def main():
    assumed = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/demo-setup", RoleSessionName="demo-setup"
    )["Credentials"]
    admin = {
        "aws_access_key_id": assumed["AccessKeyId"],
        "aws_secret_access_key": assumed["SecretAccessKey"],
        "aws_session_token": assumed["SessionToken"],
    }
    iam = client("iam", admin)
    with open(os.path.join(os.path.dirname(__file__), "..", "policies", "launcher-access-policy.json")) as f:
        policy_document = f.read()
    policy = iam.create_policy(PolicyName="LambdaLauncherAccess", PolicyDocument=policy_document)
    iam.create_user(UserName="lambda-launcher")
    iam.attach_user_policy(UserName="lambda-launcher", PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName="lambda-launcher")["AccessKey"]
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
    for region, name, description, tags in FUNCTIONS:
        client("lambda", admin, region).create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
            Code={"ZipFile": code.getvalue()}, Description=description, Tags=tags,
        )
    json.dump({"account_id": ACCOUNT, "access_key_id": key["AccessKeyId"],
               "secret_access_key": key["SecretAccessKey"]}, sys.stdout)


if __name__ == "__main__":
    main()
