# shellcheck shell=bash
# Variables and functions come from run.sh, which sources this file.
# shellcheck disable=SC2154
# End-to-end section, sourced by tests/e2e/run.sh while the ECR API (moto) and the ECR-aliased
# registry run: `fallback_helper = "pass"` with Debian's real docker-credential-pass.
#
# A second registry (plain htpasswd, not ECR, not an alias) stands for ghcr.io. Through our
# binary, and through docker with `"credsStore": "ecr-login"` as its only credential setting,
# its credentials must land in `pass` (gpg-encrypted, in a throwaway store), come back, be
# listed beside the ECR registry's, and be erased; the ECR-aliased registry must keep working
# through us and never reach pass.
#
# Uses run.sh's say/check/pass/fail, $work, $helper, $registry, $image, $layout, $authfile.

say "fallback helper: docker-credential-pass"
export GNUPGHOME=$work/gnupg PASSWORD_STORE_DIR=$work/password-store
mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key 'test <t@example.invalid>' default default never 2>/dev/null
fingerprint=$(gpg --list-secret-keys --with-colons 2>/dev/null | awk -F: '$1 == "fpr" && !done {print $10; done = 1}')
[ -n "$fingerprint" ] || { echo "gpg made no key" >&2; exit 1; }
# `command`: run.sh has a function called pass (a passed check).
command pass init "$fingerprint" >/dev/null

plain_port=$(free_port)
port_is_free "$plain_port" || { echo "port $plain_port is taken" >&2; exit 1; }
plain=localhost:$plain_port
plain_password=e2e-fallback-secret
htpasswd -Bbn e2e "$plain_password" >"$work/plain.htpasswd"
sed -e "s|$work/registry-data|$work/plain-data|" -e "s|127.0.0.1:$registry_port|127.0.0.1:$plain_port|" \
    -e "s|$work/htpasswd|$work/plain.htpasswd|" "$work/registry.yml" >"$work/plain.yml"
docker-registry serve "$work/plain.yml" >"$work/plain.log" 2>&1 &
pids+=($!)
wait_for_port "$plain_port"
echo "plain registry on $plain"

saved_config=$AWS_ECR_CONFIG
export AWS_ECR_CONFIG=$work/ecr-login-fallback.toml
{
    echo 'fallback_helper = "pass"'
    cat "$saved_config"
} >"$AWS_ECR_CONFIG"

in_pass() { docker-credential-pass list | python3 -c "import json,sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin) else 1)" "$1"; }
ours() { # verb, stdin
    printf '%s' "$2" | "$helper" "$1"
}
same_get_as_pass() {
    local mine theirs
    mine=$(ours get "$plain") && theirs=$(printf '%s' "$plain" | docker-credential-pass get) &&
        [ "$mine" = "$theirs" ] && case $mine in *"\"Secret\":\"$plain_password\""*) ;; *) false ;; esac
}
listed_by_us() {
    ours list "" | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin).get(sys.argv[1]) == 'e2e' else 1)" "$plain"
}

# --- our binary, by hand ----------------------------------------------------------------
check "store for a non-ECR host goes to pass" ours store '{"ServerURL":"'"$plain"'","Username":"e2e","Secret":"'"$plain_password"'"}'
check "pass holds it" in_pass "$plain"
check "get answers what pass answers, byte for byte" same_get_as_pass
check "list holds pass's entries" listed_by_us
check "store for the ECR alias stays ours" ours store '{"ServerURL":"'"$registry"'","Username":"AWS","Secret":"x"}'
if in_pass "$registry"; then fail "the ECR alias reached pass"; else pass "the ECR alias never reached pass"; fi
check "get for the ECR alias is ours" sh -c "echo $registry | $helper get | grep -q '\"Secret\":\"$password\"'"
check "erase for a non-ECR host goes to pass" ours erase "$plain"
if in_pass "$plain"; then fail "erase left the entry in pass"; else pass "pass no longer holds it"; fi

# --- docker with credsStore only -------------------------------------------------------
# Debian 12's skopeo and podman (containers/image 5.23) read credHelpers but not credsStore;
# the docker CLI reads both, and logs in client-side when no daemon answers.
plain_image=$plain/e2e/hello:1
check "skopeo push to the plain registry (explicit creds)" \
    skopeo copy --format v2s2 --dest-creds "e2e:$plain_password" "oci:$layout:1" "docker://$plain_image"
if command -v docker >/dev/null; then
    store_only=$work/docker-credsstore
    mkdir -p "$store_only"
    echo '{"credsStore": "ecr-login"}' >"$store_only/config.json"
    check "docker login (credsStore only) stores through pass" sh -c \
        "printf '%s' '$plain_password' | DOCKER_CONFIG=$store_only docker login -u e2e --password-stdin $plain"
    check "pass holds the docker login" in_pass "$plain"
    if grep -q "$plain_password" "$store_only/config.json"; then fail "the password is in config.json"; else pass "config.json holds no password"; fi
    check "docker manifest inspect of the plain registry (pass's credentials)" \
        env DOCKER_CONFIG="$store_only" docker manifest inspect "$plain_image"
    check "docker manifest inspect of the ECR alias (ours)" \
        env DOCKER_CONFIG="$store_only" docker manifest inspect "$image"
    check "docker logout erases from pass" env DOCKER_CONFIG="$store_only" docker logout "$plain"
    if in_pass "$plain"; then fail "docker logout left the entry in pass"; else pass "pass no longer holds the docker login"; fi
fi

# --- skopeo, which reaches us through credHelpers ---------------------------------------
skopeo_auth=$work/skopeo-fallback.json
printf '{"credHelpers": {"%s": "ecr-login", "%s": "ecr-login"}}\n' "$plain" "$registry" >"$skopeo_auth"
check "skopeo login stores through us into pass" \
    skopeo login --authfile "$skopeo_auth" -u e2e -p "$plain_password" "$plain"
check "pass holds the skopeo login" in_pass "$plain"
check "skopeo inspect of the plain registry" skopeo inspect --authfile "$skopeo_auth" "docker://$plain_image"
check "skopeo inspect of the ECR alias" skopeo inspect --authfile "$skopeo_auth" "docker://$image"
check "skopeo logout erases from pass" skopeo logout --authfile "$skopeo_auth" "$plain"
if in_pass "$plain"; then fail "skopeo logout left the entry in pass"; else pass "pass no longer holds the skopeo login"; fi

export AWS_ECR_CONFIG=$saved_config
unset GNUPGHOME PASSWORD_STORE_DIR
