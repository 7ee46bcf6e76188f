# The GitHub Action on Windows runners (started by main.js): run.sh's twin, step for step, with
# the same ECR_LOGIN_* inputs (see run.sh). It also does install.sh's part: download the .zip and
# its .sha256 into a private directory, refuse the archive unless Get-FileHash agrees, run the
# binary once, then move it into place. Runs under PowerShell 7 and Windows PowerShell 5.1.
$ErrorActionPreference = 'Stop'
# Invoke-WebRequest's progress bar slows Windows PowerShell's downloads many times over.
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 2.0

$name = 'docker-credential-ecr-login'
# Cargo.toml's `repository`, as in install.sh.
$repo = 'docker-credential-ecr-login/docker-credential-ecr-login'
# The one Windows build; Windows on arm64 runs it under its x64 emulation.
$target = 'x86_64-pc-windows-gnu'

function Fail([string]$message) {
    [Console]::Error.WriteLine("ecr-login action: error: $message")
    exit 1
}

# An input echoed in an error, its control characters as '?' (see run.sh's shown).
function Shown([string]$text) {
    $text -replace '[\x00-\x1f\x7f]', '?'
}

foreach ($variable in 'GITHUB_OUTPUT', 'GITHUB_PATH', 'RUNNER_TEMP') {
    if (-not [Environment]::GetEnvironmentVariable($variable)) {
        Fail "$variable is not set: this script runs as a step of the GitHub Action"
    }
}

# --- every input, checked before anything is installed or written ---------------------------
# run.sh's separators: spaces, tabs, newlines (a CR included) and commas.
$registries = @("$env:ECR_LOGIN_REGISTRIES" -split '[ \t\r\n,]+' | Where-Object { $_ })
if ($registries.Count -eq 0) {
    Fail "the input 'registries' is empty: name at least one registry, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com"
}
foreach ($registry in $registries) {
    # A word the binary would take as an option (--docker-config=PATH) is not a registry, and a
    # host needs none of the characters that could break a line of GITHUB_OUTPUT or the log.
    if ($registry.StartsWith('-')) {
        Fail "the input 'registries' holds '$(Shown $registry)', which would be taken as an option: name registry hosts only"
    }
    if ($registry -notmatch '^[A-Za-z0-9][A-Za-z0-9._:/-]*\z') {
        Fail "the input 'registries' holds '$(Shown $registry)', which is not a registry host (letters, digits, '.', '-', '_', ':' and '/' only)"
    }
}

$version = "$env:ECR_LOGIN_VERSION".Trim()
if ($version -eq 'latest') { $version = '' }
# It becomes part of a URL: install.sh's rule (a lone "v" is not the latest).
if ($version -eq 'v' -or $version.StartsWith('-') -or $version -notmatch '^[0-9A-Za-z.+-]*\z') {
    Fail "the input 'version' is '$(Shown $version)': give a release, e.g. 0.2.0, or latest"
}
$version = $version -replace '^v', ''

switch ("$env:ECR_LOGIN_MASK_PASSWORD".Trim().ToLowerInvariant()) {
    '' { $mask = $true }
    'true' { $mask = $true }
    'false' { $mask = $false }
    default { Fail "the input 'mask-password' is '$(Shown $env:ECR_LOGIN_MASK_PASSWORD)': use true or false" }
}

# The fallback helper's name is checked by the binary, by the rule it reads its config with.
$helper = "$env:ECR_LOGIN_FALLBACK_HELPER".Trim()

# --- install --------------------------------------------------------------------------------
$base = "$env:ECR_LOGIN_BASE_URL".TrimEnd('/')
if (-not $base) { $base = "https://github.com/$repo/releases" }
if ($version) {
    $url = "$base/download/v$version"
    $release = "version $version"
} else {
    $url = "$base/latest/download"
    $release = 'the latest release'
}
$archive = "$name-$target.zip"
$bin = Join-Path $env:RUNNER_TEMP $name
$exe = Join-Path $bin "$name.exe"

$tmp = Join-Path $env:RUNNER_TEMP ("ecr-login-install-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    foreach ($file in $archive, "$archive.sha256") {
        try {
            Invoke-WebRequest -UseBasicParsing -Uri "$url/$file" -OutFile (Join-Path $tmp $file)
        } catch {
            $status = 0
            if ($_.Exception.PSObject.Properties['Response'] -and $_.Exception.Response) {
                $status = [int]$_.Exception.Response.StatusCode
            }
            if ($status -eq 404) { Fail "${release}: HTTP 404 for $url/$file (no such release, or no $target build in it)" }
            Fail "cannot download $url/${file}: $($_.Exception.Message)"
        }
    }

    # The .sha256 is sha256sum's format: "<hex>  <file name>".
    $fields = @("$(Get-Content -LiteralPath (Join-Path $tmp "$archive.sha256") -TotalCount 1)".Trim() -split '\s+')
    $expected = $fields[0].ToLowerInvariant()
    $named = ''
    if ($fields.Count -gt 1) { $named = $fields[1].TrimStart('*') }
    if ($expected -notmatch '^[0-9a-f]{64}$') { Fail "$url/$archive.sha256 is not a SHA-256 checksum line" }
    if ($named -ne $archive) { Fail "$url/$archive.sha256 is the checksum of '$named', not of $archive" }
    $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $tmp $archive)).Hash.ToLowerInvariant()
    if ($actual -ne $expected) {
        Fail "refusing ${archive}: its SHA-256 is $actual but the release publishes $expected (a tampered or truncated download); nothing installed"
    }

    $unpack = Join-Path $tmp 'unpack'
    Expand-Archive -LiteralPath (Join-Path $tmp $archive) -DestinationPath $unpack
    $new = Join-Path $unpack "$name-$target\$name.exe"
    if (-not (Test-Path -LiteralPath $new -PathType Leaf)) { Fail "$archive holds no file $name-$target\$name.exe" }
    # Run it once before it replaces anything.
    $built = ("$(& $new version)").Trim()
    if ($LASTEXITCODE -ne 0) { Fail "the downloaded $name does not run here: $built" }
    if ($version -and $built -ne "$name $version") {
        Fail "refusing ${archive}: it holds '$built', not version $version; nothing installed"
    }

    New-Item -ItemType Directory -Force -Path $bin | Out-Null
    $part = Join-Path $bin (".$name." + [Guid]::NewGuid().ToString('N') + '.exe')
    Copy-Item -LiteralPath $new -Destination $part
    Move-Item -Force -LiteralPath $part -Destination $exe
    Write-Output "ecr-login install: installed $exe ($built)"
} finally {
    Remove-Item -Recurse -Force -LiteralPath $tmp -ErrorAction SilentlyContinue
}
$env:PATH = "$bin;$env:PATH"

# --- docker's config, and the fallback helper in the config file the helper reads -------------
# The binary resolves every registry and checks the helper's name before it writes a file, and
# edits only the fallback_helper line of the config file (see run.sh). '--' quoted, so that
# PowerShell hands it to the binary instead of taking it as its own end of parameters; the name
# joined to its option with '=', so that it is the option's value whatever it looks like.
if ($helper) {
    & $exe configure "--fallback-helper=$helper" '--' @registries
} else {
    & $exe configure '--' @registries
}
if ($LASTEXITCODE -ne 0) { exit 1 }
[IO.File]::AppendAllText($env:GITHUB_PATH, "$bin`n")

# --- the outputs ----------------------------------------------------------------------------
# Every password first, each masked as soon as it is known; then all the outputs at once, so a
# registry that fails leaves none half set.
$hosts = @()
$outputs = ''
foreach ($registry in $registries) {
    $hostName = ($registry -replace '^https?://', '' -replace '/.*$', '').ToLowerInvariant()
    $suffix = $hostName -replace '[^A-Za-z0-9_]+', '_'
    $password = "$(& $exe password '--' $registry)".Trim()
    if ($LASTEXITCODE -ne 0) { exit 1 }
    if ($password -notmatch '^[A-Za-z0-9+/=._-]+$') { Fail "the password for $hostName is not a single token line" }
    if ($mask) { [Console]::Out.WriteLine("::add-mask::$password") }
    $outputs += "docker_username_$suffix=AWS`ndocker_password_$suffix=$password`n"
    $hosts += $hostName
}
[IO.File]::AppendAllText($env:GITHUB_OUTPUT, "${outputs}registry=$($hosts -join ',')`n")
Write-Output "ecr-login action: docker uses $name for $($hosts -join ',')"
