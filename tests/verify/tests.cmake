# ewoe verify: the checker fed with hand-built netlink messages, and the CLI against the kernel.
ewoe_unit_test(test_check)
# The binary writes its JSON itself; the test reads it back with a real parser.
pkg_check_modules(JSONC REQUIRED IMPORTED_TARGET json-c)
target_link_libraries(test_check PRIVATE PkgConfig::JSONC)
ewoe_shell_test(verify/test_verify_cli.sh verify)
