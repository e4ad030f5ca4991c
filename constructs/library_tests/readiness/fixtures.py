"""A small, hand-written production-ready environment (template dicts) and ways to build it as a CDK stack.

``good_templates()`` passes every rule; each rule test mutates one thing and expects exactly its finding.
``add_to_stack`` builds the same template with raw ``CfnResource``/``CfnOutput`` (logical ids kept), so the
same fixture also goes through a real ``app.synth()`` with the plugin registered.
"""

from __future__ import annotations

import copy
from typing import Any

ASSET_KEY = "a" * 64 + ".zip"

_JWT = {"DiscoveryUrl": "https://issuer.example.com/.well-known/openid-configuration", "AllowedClients": ["client-1"]}


def good_template(env_name: str = "prod") -> dict[str, Any]:
    runtime_name = f"agent_{env_name}"
    resources: dict[str, Any] = {
        "AgentRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        "AgentPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "agent",
                "Roles": [{"Ref": "AgentRole"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["bedrock-agentcore:CreateEvent", "bedrock-agentcore:ListEvents"],
                            "Resource": {"Fn::GetAtt": ["Memory", "MemoryArn"]},
                        },
                        {
                            "Effect": "Allow",
                            "Action": "bedrock-agentcore:InvokeGateway",
                            "Resource": {"Fn::GetAtt": ["Gateway", "GatewayArn"]},
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                            "Resource": "*",
                        },
                        {
                            "Effect": "Allow",
                            "Action": "cloudwatch:PutMetricData",
                            "Resource": "*",
                            "Condition": {"StringEquals": {"cloudwatch:namespace": "bedrock-agentcore"}},
                        },
                    ],
                },
            },
        },
        "Runtime": {
            "Type": "AWS::BedrockAgentCore::Runtime",
            "Properties": {
                "AgentRuntimeName": runtime_name,
                "AgentRuntimeArtifact": {
                    "CodeConfiguration": {
                        "Code": {"S3": {"Bucket": "assets-bucket", "Prefix": ASSET_KEY}},
                        "EntryPoint": ["opentelemetry-instrument", "main.py"],
                        "Runtime": "PYTHON_3_13",
                    }
                },
                "AuthorizerConfiguration": {"CustomJWTAuthorizer": dict(_JWT)},
                "NetworkConfiguration": {"NetworkMode": "PUBLIC"},
                "RoleArn": {"Fn::GetAtt": ["AgentRole", "Arn"]},
                "EnvironmentVariables": {
                    "MODEL_ID": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
                    "AGENT_RETRY_MAX_ATTEMPTS": "4",
                    "AGENT_RETRY_MODE": "adaptive",
                    "AGENT_HTTP_TIMEOUT_SECONDS": "60",
                    "AGENT_MAX_TURNS": "8",
                    "AGENT_MAX_TOTAL_TOKENS": "100000",
                    "AGENT_MAX_SECONDS": "120",
                    "MEMORY_ID": {"Fn::GetAtt": ["Memory", "MemoryId"]},
                    "GATEWAY_URL": {"Fn::GetAtt": ["Gateway", "GatewayUrl"]},
                },
            },
        },
        "Endpoint": {
            "Type": "AWS::BedrockAgentCore::RuntimeEndpoint",
            "Properties": {
                "AgentRuntimeId": {"Fn::GetAtt": ["Runtime", "AgentRuntimeId"]},
                "Name": env_name,
                "AgentRuntimeVersion": "1",
            },
        },
        "MemoryKey": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
        "Memory": {
            "Type": "AWS::BedrockAgentCore::Memory",
            "Properties": {
                "Name": f"memory_{env_name}",
                "EventExpiryDuration": 30,
                "EncryptionKeyArn": {"Fn::GetAtt": ["MemoryKey", "Arn"]},
            },
        },
        "GatewayRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        "OnlineEvaluation": {
            "Type": "AWS::BedrockAgentCore::OnlineEvaluationConfig",
            "Properties": {
                "OnlineEvaluationConfigName": f"{runtime_name}_eval",
                "DataSourceConfig": {
                    "CloudWatchLogs": {
                        "LogGroupNames": [
                            {
                                "Fn::Join": [
                                    "",
                                    [
                                        "/aws/bedrock-agentcore/runtimes/",
                                        {"Fn::GetAtt": ["Runtime", "AgentRuntimeId"]},
                                        f"-{env_name}",
                                    ],
                                ]
                            }
                        ],
                        "ServiceNames": [f"{runtime_name}.{env_name}"],
                    }
                },
                "Evaluators": [{"EvaluatorId": "Builtin.Helpfulness"}],
                "Rule": {"SamplingConfig": {"SamplingPercentage": 10}},
            },
        },
        "Gateway": {
            "Type": "AWS::BedrockAgentCore::Gateway",
            "Properties": {
                "Name": f"tools-{env_name}",
                "AuthorizerType": "CUSTOM_JWT",
                "AuthorizerConfiguration": {"CustomJWTAuthorizer": dict(_JWT)},
                "KmsKeyArn": {"Fn::GetAtt": ["MemoryKey", "Arn"]},
                "ProtocolType": "MCP",
                "RoleArn": {"Fn::GetAtt": ["GatewayRole", "Arn"]},
                "PolicyEngineConfiguration": {
                    "Arn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/tools-0123456789",
                    "Mode": "ENFORCE",
                },
            },
        },
        "ToolRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        "ApiKey": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Description": "orders API key"}},
        "ToolFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.13",
                "Handler": "handler.lambda_handler",
                "Code": {"ZipFile": "def lambda_handler(event, context):\n    return {}\n"},
                "Architectures": ["arm64"],
                "Role": {"Fn::GetAtt": ["ToolRole", "Arn"]},
                "Tags": [{"Key": "agentcore:component", "Value": "tool"}],
                "Environment": {
                    "Variables": {
                        "POWERTOOLS_SERVICE_NAME": "order-service",
                        "POWERTOOLS_METRICS_NAMESPACE": "AgentCoreTools",
                        "ORDERS_API_BASE_URL": "https://api.example.com",
                        "ORDERS_API_KEY_SECRET_ARN": {"Ref": "ApiKey"},
                    }
                },
            },
        },
        "ToolPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Fn::GetAtt": ["ToolFunction", "Arn"]},
                "Principal": "bedrock-agentcore.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["Gateway", "GatewayArn"]},
            },
        },
        "ToolTarget": {
            "Type": "AWS::BedrockAgentCore::GatewayTarget",
            "Properties": {
                "Name": "order-service",
                "GatewayIdentifier": {"Fn::GetAtt": ["Gateway", "GatewayIdentifier"]},
                "CredentialProviderConfigurations": [{"CredentialProviderType": "GATEWAY_IAM_ROLE"}],
                "TargetConfiguration": {
                    "Mcp": {
                        "Lambda": {
                            "LambdaArn": {"Fn::GetAtt": ["ToolFunction", "Arn"]},
                            "ToolSchema": {
                                "InlinePayload": [
                                    {"Name": "lookup_order", "Description": "d", "InputSchema": {"Type": "object"}}
                                ]
                            },
                        }
                    }
                },
            },
        },
        "ToolLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
        "TracesDestination": {
            "Type": "AWS::Logs::DeliveryDestination",
            "Properties": {"Name": f"traces-{env_name}", "DeliveryDestinationType": "XRAY"},
        },
        "LogsDestination": {
            "Type": "AWS::Logs::DeliveryDestination",
            "Properties": {"Name": f"logs-{env_name}", "DestinationResourceArn": {"Fn::GetAtt": ["ToolLogs", "Arn"]}},
        },
        "TracesSource": {
            "Type": "AWS::Logs::DeliverySource",
            "Properties": {
                "Name": f"traces-src-{env_name}",
                "LogType": "TRACES",
                "ResourceArn": {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]},
            },
        },
        "LogsSource": {
            "Type": "AWS::Logs::DeliverySource",
            "Properties": {
                "Name": f"logs-src-{env_name}",
                "LogType": "APPLICATION_LOGS",
                "ResourceArn": {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]},
            },
        },
        "TracesDelivery": {
            "Type": "AWS::Logs::Delivery",
            "Properties": {
                "DeliverySourceName": {"Ref": "TracesSource"},
                "DeliveryDestinationArn": {"Fn::GetAtt": ["TracesDestination", "Arn"]},
            },
        },
        "LogsDelivery": {
            "Type": "AWS::Logs::Delivery",
            "Properties": {
                "DeliverySourceName": {"Ref": "LogsSource"},
                "DeliveryDestinationArn": {"Fn::GetAtt": ["LogsDestination", "Arn"]},
            },
        },
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardBody": {
                    "Fn::Join": ["", ['{"widgets":[{"title":"', {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]}, '"}]}']]
                }
            },
        },
        "ErrorAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "ComparisonOperator": "GreaterThanThreshold",
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "MetricName": "SystemErrors",
                "Namespace": "AWS/Bedrock-AgentCore",
                "Period": 300,
                "Statistic": "Sum",
                "Dimensions": [{"Name": "Resource", "Value": {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]}}],
            },
        },
        "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": f"users-{env_name}"}},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "UserPool"}}},
    }
    outputs = {
        "RuntimeArn": {"Value": {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]}},
        "EndpointName": {"Value": env_name},
        "GatewayUrl": {"Value": {"Fn::GetAtt": ["Gateway", "GatewayUrl"]}},
        "UserPoolId": {"Value": {"Ref": "UserPool"}},
        "UserPoolClientId": {"Value": {"Ref": "UserPoolClient"}},
    }
    return {"Resources": resources, "Outputs": outputs}


def mutated(mutate: Any, env_name: str = "prod") -> dict[str, Any]:
    template = copy.deepcopy(good_template(env_name))
    mutate(template)
    return template


# ---- the same template as a CDK stack -------------------------------------------------------------------
def add_to_stack(stack: Any, template: dict[str, Any]) -> dict[str, Any]:
    """Add the template's resources and outputs to ``stack`` with their logical ids; returns {logical id: construct}."""
    import aws_cdk as cdk

    created: dict[str, Any] = {}
    for logical_id, raw in template["Resources"].items():
        resource = cdk.CfnResource(stack, logical_id, type=raw["Type"], properties=raw.get("Properties"))
        resource.override_logical_id(logical_id)
        created[logical_id] = resource
    for name, output in (template.get("Outputs") or {}).items():
        cdk.CfnOutput(stack, name, value=_output_value(cdk, output["Value"]))
    return created


def _output_value(cdk: Any, value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return cdk.Fn.ref(value["Ref"])
    logical_id, attribute = value["Fn::GetAtt"]
    return cdk.Fn.get_att(logical_id, attribute).to_string()
