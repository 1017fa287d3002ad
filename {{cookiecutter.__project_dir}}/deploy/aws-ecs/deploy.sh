#!/usr/bin/env bash
# First and later deploys to ECS Fargate, in the order that works: the image must exist in ECR
# before the service that runs it is created.
#   SECRET_ARN=arn:... VPC_ID=vpc-... SUBNET_IDS=subnet-a,subnet-b deploy/aws-ecs/deploy.sh [tag]
# Account and region come from your AWS environment; nothing is hard-coded. The region is the
# AWS CLI's own choice: AWS_REGION, then AWS_DEFAULT_REGION, then `aws configure get region`.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${SECRET_ARN:?set SECRET_ARN to the Secrets Manager secret with the agent keys}"
: "${VPC_ID:?set VPC_ID}"
: "${SUBNET_IDS:?set SUBNET_IDS (comma-separated)}"
stack=${STACK_NAME:-{{ cookiecutter.project_slug }}}
tag=${1:-$(git rev-parse --short HEAD)}
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}
if [[ -z "$region" ]]; then
    echo "No AWS region: set AWS_REGION or AWS_DEFAULT_REGION (or run" \
        "'aws configure set region <region>'), then run this again." >&2
    exit 2
fi
# Every command below gets the same region, so the image and the stack cannot end up apart.
export AWS_REGION=$region AWS_DEFAULT_REGION=$region
account=$(aws sts get-caller-identity --query Account --output text)
repository="$account.dkr.ecr.$region.amazonaws.com/{{ cookiecutter.project_slug }}"

# 1. The repository and the image.
aws ecr describe-repositories --repository-names {{ cookiecutter.project_slug }} >/dev/null 2>&1 \
    || aws ecr create-repository --repository-name {{ cookiecutter.project_slug }} >/dev/null
aws ecr get-login-password | docker login --username AWS --password-stdin "${repository%%/*}"
docker build --platform linux/amd64 -t "$repository:$tag" .
docker push "$repository:$tag"

# 2. The stack: cluster, task definition, service. Re-running rolls out the new tag; old tasks
#    drain their calls for up to the container's StopTimeout.
aws cloudformation deploy \
    --stack-name "$stack" \
    --template-file deploy/aws-ecs/cloudformation.yaml \
    --capabilities CAPABILITY_IAM \
    --parameter-overrides \
        "ImageUri=$repository:$tag" "SecretArn=$SECRET_ARN" \
        "VpcId=$VPC_ID" "SubnetIds=$SUBNET_IDS"
