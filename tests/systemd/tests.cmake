# The systemd units as installed and enabled, checked by systemd's own tools.

ewoe_shell_test(systemd/test_units.sh systemd)
ewoe_shell_test(systemd/test_boot_order.sh systemd)
ewoe_shell_test(systemd/test_maintscripts.sh systemd)
