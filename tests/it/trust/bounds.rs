//! Every command returns within `AWS_ECR_TIMEOUT` + 1 s of its start, whatever other processes
//! do, and kills what it started.
