# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# install_missing LOG PACKAGE...: apt-get install the Debian packages of the
# list that are not installed yet (root, or sudo). Quiet unless it fails, then
# the log's end is shown.

install_missing() {
	local log=$1 missing=() p sudo=()
	shift
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "not root and no sudo: install ${missing[*]} first"; return 1; }
		sudo=(sudo)
	fi
	# tshark's package asks whether non-root users may capture; answer no, silently.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		"${sudo[@]}" debconf-set-selections || return 1
	if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; } >"$log" 2>&1; then
		echo "----- last lines of $log -----"
		tail -n 40 "$log"
		return 1
	fi
}
