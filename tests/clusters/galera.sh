#!/usr/bin/env bash
# A local 3-node MariaDB Galera cluster on loopback ports, from Debian's mariadb-server and
# galera-4 packages, for the cluster tests.
#
#   tests/clusters/galera.sh start DIR [OWNER_PID]   start it, its data under DIR
#   tests/clusters/galera.sh stop DIR                stop it
#   tests/clusters/galera.sh urls                    print the nodes' URLs, comma-separated
#
# Node N (1..3) serves SQL on 127.0.0.1:331N as root without a password; Galera replication
# on 457N, incremental state transfer on 458N, rsync state transfer on 459N. The nodes run as
# the `mysql` user (rsync state transfer needs it), so DIR is handed to that user. With
# OWNER_PID, the cluster stops by itself once that process has ended. Needs root.
set -euo pipefail

PROVIDER=/usr/lib/galera/libgalera_smm.so
MARIADBD=/usr/sbin/mariadbd
NODES=(1 2 3)

urls() {
  local out=()
  for n in "${NODES[@]}"; do out+=("mysql://root@127.0.0.1:331$n/mysql"); done
  (IFS=,; echo "${out[*]}")
}

config() {
  local dir=$1 n=$2
  cat >"$dir/node$n/my.cnf" <<EOF
[mysqld]
user=mysql
datadir=$dir/node$n/data
socket=$dir/node$n/mysqld.sock
pid-file=$dir/node$n/mysqld.pid
log-error=$dir/node$n/error.log
port=331$n
bind-address=127.0.0.1
skip-name-resolve
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
innodb_flush_log_at_trx_commit=2
max_connections=300
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=seamigrate_test
wsrep_cluster_address=gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:457$n
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:457$n;ist.recv_addr=127.0.0.1:458$n;gcache.size=32M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:459$n
EOF
}

sql() {
  local dir=$1 n=$2; shift 2
  mariadb --no-defaults -uroot --socket="$dir/node$n/mysqld.sock" -N -B -e "$*"
}

# Waits until node N is a synced member of a cluster of `want` nodes.
wait_synced() {
  local dir=$1 n=$2 want=$3
  for _ in $(seq 1 120); do
    local state size
    state=$(sql "$dir" "$n" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2 || true)
    size=$(sql "$dir" "$n" "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | cut -f2 || true)
    if [ "$state" = "Synced" ] && [ "${size:-0}" -ge "$want" ]; then return 0; fi
    if ! kill -0 "$(cat "$dir/node$n/mysqld.pid" 2>/dev/null || echo 0)" 2>/dev/null && [ -f "$dir/node$n/mysqld.pid" ]; then break; fi
    sleep 0.5
  done
  echo "galera node $n did not join the cluster; its log:" >&2
  tail -n 40 "$dir/node$n/error.log" >&2 || true
  return 1
}

start_node() {
  local dir=$1 n=$2; shift 2
  setsid "$MARIADBD" --defaults-file="$dir/node$n/my.cnf" "$@" </dev/null >/dev/null 2>&1 &
}

start() {
  local dir=$1 owner=${2:-}
  [ "$(id -u)" = 0 ] || { echo "galera.sh needs root, to run the nodes as the mysql user" >&2; exit 1; }
  [ -x "$MARIADBD" ] && [ -f "$PROVIDER" ] || { echo "needs Debian's mariadb-server and galera-4 packages" >&2; exit 1; }
  command -v rsync >/dev/null || { echo "needs rsync for the state transfer" >&2; exit 1; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  for n in "${NODES[@]}"; do
    mkdir -p "$dir/node$n/data"
    config "$dir" "$n"
  done
  chown -R mysql:mysql "$dir"
  mariadb-install-db --defaults-file="$dir/node1/my.cnf" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
  start_node "$dir" 1 --wsrep-new-cluster
  wait_synced "$dir" 1 1
  sql "$dir" 1 "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION"
  for n in 2 3; do
    start_node "$dir" "$n"
    wait_synced "$dir" "$n" "$n"
  done
  if [ -n "$owner" ]; then
    # Stops the cluster once the process that started it has ended.
    setsid bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; '$0' stop '$dir'" </dev/null >/dev/null 2>&1 &
  fi
  urls
}

stop() {
  local dir=$1
  for n in 3 2 1; do
    local pid
    pid=$(cat "$dir/node$n/mysqld.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 60); do
    local alive=0
    for n in "${NODES[@]}"; do
      local pid
      pid=$(cat "$dir/node$n/mysqld.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?DIR}" "${3:-}" ;;
  stop) stop "${2:?DIR}" ;;
  urls) urls ;;
  *) echo "usage: $0 start DIR [OWNER_PID] | stop DIR | urls" >&2; exit 2 ;;
esac
