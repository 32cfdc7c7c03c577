# setup / teardown against real OVS, charon and links in a network namespace.
foreach(t test_setup test_setup_bad_input test_setup_concurrent test_setup_json test_setup_keeps_word
  test_setup_output)
  ewoe_shell_test(setup/${t}.sh setup)
endforeach()
