# OVSDB backend: real ovsdb-server + ovs-vswitchd (dummy datapath) per test, see ovs-sandbox.sh.
# ovsdb_driver runs the backend calls no command exposes yet (tunnel port, removal, status).
add_executable(ovsdb_driver ovsdb/ovsdb_driver.c)
target_link_libraries(ovsdb_driver PRIVATE ewoe_core)
target_link_options(ovsdb_driver PRIVATE -Wl,--exclude-libs,ALL)
set_target_properties(ovsdb_driver PROPERTIES BUILD_RPATH "${VICI_LIBDIR}")

foreach(t setup_bridge move tunnel bad_input timeout remove)
  ewoe_shell_test(ovsdb/test_${t}.sh ovsdb)
  set_property(TEST ovsdb/test_${t} APPEND PROPERTY ENVIRONMENT
               "OVSDB_DRIVER=$<TARGET_FILE:ovsdb_driver>")
endforeach()
