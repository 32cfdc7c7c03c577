# strongSwan through libvici: real charon instances, each in its own mount namespace.
ewoe_test_program(vici_driver vici/vici_driver.c)

foreach(t test_vici_psk test_vici_certs test_vici_bad_input test_vici_two_charons)
  ewoe_shell_test(vici/${t}.sh vici)
endforeach()
