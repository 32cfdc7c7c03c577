# ewoe status and ewoe metrics: rows, tables, JSON and Prometheus text from hand-built reports
# (unit), and the binary against this machine's kernel in a network namespace (CLI).
ewoe_unit_test(test_status)
target_link_libraries(test_status PRIVATE PkgConfig::JSONC)
ewoe_shell_test(status/test_status_cli.sh status)
ewoe_shell_test(status/test_metrics_promtool.sh status)
