#!/usr/bin/env bash
# Start PostgreSQL, Redis and RabbitMQ on this machine if they are not running
# (the commands are the machine's own; see README "Services"). Fails loudly.
set -u
fail() { echo "ensure_services: $*" >&2; exit 1; }

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! pg_up; then
  echo "ensure_services: starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null || fail "PostgreSQL is not running on 127.0.0.1:5432 and pg_ctlcluster is not installed"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 30); do pg_up && break; sleep 1; done
  pg_up || fail "could not start PostgreSQL on 127.0.0.1:5432"
fi

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  echo "ensure_services: starting Redis"
  command -v redis-server >/dev/null || fail "Redis is not running on 127.0.0.1:6379 and redis-server is not installed"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 30); do redis_up && break; sleep 1; done
  redis_up || fail "could not start Redis on 127.0.0.1:6379"
fi

rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbit_up; then
  if command -v rabbitmq-server >/dev/null; then
    echo "ensure_services: starting RabbitMQ"
    rabbitmq-server -detached || true
    for _ in $(seq 60); do rabbit_up && break; sleep 1; done
  fi
  rabbit_up || echo "ensure_services: warning: RabbitMQ is not reachable on 127.0.0.1:5672 (tests that need it are skipped with a reason)" >&2
fi
echo "ensure_services: PostgreSQL and Redis are up"
