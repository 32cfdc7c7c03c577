# ewoe verify: the checker fed with hand-built netlink messages, and the CLI against the kernel.
ewoe_unit_test(test_check)
ewoe_shell_test(verify/test_verify_cli.sh verify)
