# How the tree is built: checks on the compile commands themselves.
ewoe_shell_test(build/test_ovs_config_h.sh build)
