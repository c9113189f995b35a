#!/usr/bin/env bash
# Runs a private ClickHouse server for tests and the demo, with every file under one directory.
#
#   scripts/clickhouse.sh start DIR [TCP_PORT]   # TCP_PORT defaults to 19000
#   scripts/clickhouse.sh stop DIR
#
# The server is Debian's clickhouse-server (18.16), installed with apt-get when missing. It listens
# on 127.0.0.1 only, with the native protocol alone (HTTP and interserver ports are left out of the
# config, so 18.16 opens neither), so several DIR/port pairs can run side by side.
set -euo pipefail

readonly DEFAULT_PORT=19000
readonly READY_TIMEOUT=60

usage() {
	echo "usage: $0 start DIR [TCP_PORT] | stop DIR" >&2
	exit 2
}

die() {
	echo "clickhouse.sh: $*" >&2
	exit 1
}

# find_bin prints the path of a ClickHouse binary, looking in /usr/sbin too (it is not on every PATH).
find_bin() {
	local name=$1
	if command -v "$name" >/dev/null 2>&1; then
		command -v "$name"
	elif [[ -x /usr/sbin/$name ]]; then
		echo "/usr/sbin/$name"
	elif [[ -x /usr/bin/$name ]]; then
		echo "/usr/bin/$name"
	else
		return 1
	fi
}

install_clickhouse() {
	if find_bin clickhouse-server >/dev/null && find_bin clickhouse-client >/dev/null; then
		return 0
	fi
	if [[ $(id -u) -ne 0 ]]; then
		echo "clickhouse-server is not installed; run:" >&2
		echo "  sudo apt-get install -y clickhouse-server clickhouse-client" >&2
		exit 1
	fi
	echo "installing clickhouse-server and clickhouse-client with apt-get"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y clickhouse-server clickhouse-client
	find_bin clickhouse-server >/dev/null || die "clickhouse-server still missing after apt-get install"
	find_bin clickhouse-client >/dev/null || die "clickhouse-client still missing after apt-get install"
}

# answers reports whether a ClickHouse server answers a query on 127.0.0.1:PORT.
answers() {
	local port=$1 client
	client=$(find_bin clickhouse-client) || return 1
	timeout 5 "$client" --host 127.0.0.1 --port "$port" -q 'SELECT 1' >/dev/null 2>&1
}

# port_open reports whether anything accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	local port=$1
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}

running_pid() {
	local pidfile=$1/clickhouse-server.pid pid
	[[ -s $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# A stale pid file may name a recycled pid: only a clickhouse-server counts.
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q clickhouse-server || return 1
	echo "$pid"
}

write_config() {
	local dir=$1 port=$2
	cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/clickhouse.sh: a private server whose files all live under $dir. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>

    <!-- Native protocol only: 18.16 opens an HTTP or interserver port only when one is configured. -->
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$port</tcp_port>

    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>

    <max_connections>1024</max_connections>
    <max_concurrent_queries>100</max_concurrent_queries>
    <keep_alive_timeout>3</keep_alive_timeout>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>

    <!-- Tests drop whole databases; let them whatever the size. -->
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
EOF
	cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

log_tail() {
	local dir=$1 f
	for f in "$dir/log/clickhouse-server.err.log" "$dir/log/clickhouse-server.log" "$dir/log/stdout.log"; do
		if [[ -s $f ]]; then
			echo "--- tail of $f" >&2
			tail -n 40 "$f" >&2
		fi
	done
}

start() {
	local dir=$1 port=$2 server pid deadline
	[[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "bad port: $port"

	install_clickhouse
	server=$(find_bin clickhouse-server)

	if answers "$port"; then
		echo "clickhouse already answers on 127.0.0.1:$port"
		return 0
	fi
	if port_open "$port"; then
		die "127.0.0.1:$port is taken by something that is not ClickHouse"
	fi

	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)
	# DIR goes into config.xml as it is.
	[[ $dir != *[\<\>\&\"\']* ]] || die "DIR must not contain < > & \" or ': $dir"

	if pid=$(running_pid "$dir"); then
		echo "clickhouse-server (pid $pid) from $dir is still starting; waiting for it"
	else
		# 18.16 in --daemon mode exits silently when the log directory is missing, so make every
		# directory first. Running as root is fine for 18.16: it neither refuses nor chowns.
		mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
		write_config "$dir" "$port"
		rm -f "$dir/clickhouse-server.pid"
		(cd "$dir" && "$server" --config-file="$dir/config.xml" --pid-file="$dir/clickhouse-server.pid" --daemon \
			</dev/null >>"$dir/log/stdout.log" 2>&1) || {
			log_tail "$dir"
			die "clickhouse-server failed to start"
		}
	fi

	deadline=$((SECONDS + READY_TIMEOUT))
	until answers "$port"; do
		if ((SECONDS >= deadline)); then
			log_tail "$dir"
			die "clickhouse did not answer on 127.0.0.1:$port within ${READY_TIMEOUT}s"
		fi
		# The daemon writes its pid file once it runs; no pid after a few seconds means it died.
		if ((SECONDS >= deadline - READY_TIMEOUT + 5)) && ! running_pid "$dir" >/dev/null; then
			log_tail "$dir"
			die "clickhouse-server exited during start-up"
		fi
		sleep 0.2
	done
	echo "clickhouse ready on 127.0.0.1:$port"
}

stop() {
	local dir=$1 pid deadline
	if [[ ! -d $dir ]] || ! pid=$(running_pid "$dir"); then
		echo "no clickhouse-server running from $dir"
		return 0
	fi
	kill -TERM "$pid"
	deadline=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			echo "clickhouse-server (pid $pid) ignored SIGTERM for 30s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	rm -f "$dir/clickhouse-server.pid"
	echo "clickhouse-server (pid $pid) stopped"
}

main() {
	(($# >= 2)) || usage
	case $1 in
	start)
		(($# <= 3)) || usage
		start "$2" "${3:-$DEFAULT_PORT}"
		;;
	stop)
		(($# == 2)) || usage
		stop "$2"
		;;
	*) usage ;;
	esac
}

main "$@"
