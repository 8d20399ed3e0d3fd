# Shared by the packaging checks (sourced): check WHAT COMMAND… prints "ok: WHAT" or
# "FAIL: WHAT" and sets failed=1 on failure, so a script reports every problem, then exits.
failed=0
check() {  # $1 = what, rest = command
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    failed=1
  fi
}
