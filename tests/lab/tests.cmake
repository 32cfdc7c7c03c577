# The lab: a user-mode-linux guest with two (or, for the mesh, four) emulated Arms (docs/lab.md).
ewoe_shell_test(lab/test_lab_manual.sh lab)
ewoe_shell_test(lab/test_lab.sh lab)
ewoe_shell_test(lab/test_lab_mesh.sh lab)
set_tests_properties(lab/test_lab_manual lab/test_lab lab/test_lab_mesh PROPERTIES TIMEOUT 900)
