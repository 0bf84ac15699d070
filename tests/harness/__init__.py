"""ftpdoctor's test harness: real FTP servers and real FTP clients against the built binary,
outside `cargo test` because they need root, downloads and namespaces.

Layout:
- runner.py   the one runner: options, the case loop, error handling, failure artefacts
              (target/harness-failures/STAGE/TARGET-SCENARIO/), summary lines, cleanup
- state.py    what a run leaves on the machine; a killed run's servers and namespaces are
              removed by the next run
- servers.py  vsftpd, ProFTPD, Pure-FTPd, pyftpdlib (and the embedded lab) with throw-away
              configs; nothing depends on the machine's /etc
- reports.py  Check and the helpers that read a JSON report
- nat.py      the network-namespace NAT router
- paths.py    that router with an MTU hole or a short conntrack idle timeout
- clients.py  the real FTP clients (one command line per profile of docs/clients.md), their
              cap, the check that compares each with its prediction, the matrix
- interop.py, netns.py, lab_clients.py, netns_clients.py, netns_pool.py, netns_paths.py
              the stages: scenarios and environment only
- tools/      scripts run as their own processes (banner wait, reply capture, pyftpdlib)

Entry points: tests/interop/run.py, tests/netns/run.py, tests/clients/run.py (the clients
against the lab), tests/netns/clients.py (the clients through the NAT router),
tests/netns/pool.py, tests/netns/paths.py (MTU hole, idle timeout); same options:
--bin, --cache, --only, --scenario, --results, --capture.
"""
