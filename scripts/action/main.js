// The GitHub Action's entry point (action.yml): runs run.sh, or run.ps1 on Windows runners.
//
// A JavaScript action rather than a composite one because its outputs are named after the
// registries (docker_password_<registry>, as aws-actions/amazon-ecr-login names them), and a
// composite action can export only the outputs its action.yml declares. The work stays in the
// scripts, which take their inputs from ECR_LOGIN_* variables so they run the same outside
// Actions; this file only renames the inputs, since the runner passes `fallback-helper` as
// INPUT_FALLBACK-HELPER, which no shell can read.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] || '').trim();

const env = {
  ...process.env,
  ECR_LOGIN_REGISTRIES: input('registries'),
  ECR_LOGIN_VERSION: input('version'),
  ECR_LOGIN_FALLBACK_HELPER: input('fallback-helper'),
  ECR_LOGIN_MASK_PASSWORD: input('mask-password'),
};

function run(command, args) {
  return spawnSync(command, args, { env, stdio: 'inherit' });
}

let result;
if (process.platform === 'win32') {
  const args = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass',
    '-File', path.join(__dirname, 'run.ps1')];
  result = run('pwsh', args);
  // Windows PowerShell 5.1 where PowerShell 7 is not installed (some self-hosted runners).
  if (result.error && result.error.code === 'ENOENT') {
    result = run('powershell', args);
  }
} else {
  result = run('sh', [path.join(__dirname, 'run.sh')]);
}
if (result.error) {
  console.log(`::error::cannot start the action's script: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status === null ? 1 : result.status);
