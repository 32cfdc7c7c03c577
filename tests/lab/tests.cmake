# The two-DPU lab: a user-mode-linux guest with two emulated Arms (docs/lab.md).
ewoe_shell_test(lab/test_lab_manual.sh lab)
ewoe_shell_test(lab/test_lab.sh lab)
set_tests_properties(lab/test_lab_manual lab/test_lab PROPERTIES TIMEOUT 900)
