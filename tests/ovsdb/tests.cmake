# OVSDB backend: real ovsdb-server + ovs-vswitchd (dummy datapath) per test, see ovs-sandbox.sh.
# ovsdb_driver runs the backend calls no command exposes yet (tunnel port, removal, status).
ewoe_test_program(ovsdb_driver ovsdb/ovsdb_driver.c)

foreach(t setup_bridge move tunnel bad_input timeout remove concurrent)
  ewoe_shell_test(ovsdb/test_${t}.sh ovsdb)
  set_property(TEST ovsdb/test_${t} APPEND PROPERTY ENVIRONMENT
               "OVSDB_DRIVER=$<TARGET_FILE:ovsdb_driver>")
endforeach()
