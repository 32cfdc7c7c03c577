# The lab: a user-mode-linux guest with two (or, for the mesh and Ansible, four; for status,
# three) emulated Arms (docs/lab.md).
set(EWOE_LAB_TESTS test_lab_manual test_lab test_lab_mesh test_lab_offload test_lab_failclosed test_lab_verify_faults
    test_lab_status test_lab_ansible)
foreach(t ${EWOE_LAB_TESTS})
  ewoe_shell_test(lab/${t}.sh lab)
  set_tests_properties(lab/${t} PROPERTIES TIMEOUT 900)
endforeach()
# Five playbook runs over SSH into four emulated Arms.
set_tests_properties(lab/test_lab_ansible PROPERTIES TIMEOUT 1800)
