# strongSwan through libvici: real charon instances, each in its own mount namespace.
add_executable(vici_driver vici/vici_driver.c)
target_link_libraries(vici_driver PRIVATE ewoe_core)
target_link_options(vici_driver PRIVATE -Wl,--exclude-libs,ALL)
set_target_properties(vici_driver PROPERTIES BUILD_RPATH "${VICI_LIBDIR}")

foreach(t test_vici_psk test_vici_certs test_vici_bad_input test_vici_two_charons)
  ewoe_shell_test(vici/${t}.sh vici)
  set_tests_properties(vici/${t} PROPERTIES TIMEOUT 120)
endforeach()
