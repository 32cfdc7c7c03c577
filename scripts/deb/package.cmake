# What `make install` puts where, and the Debian package built from it with `cpack -G DEB`.
# Debian's policy shapes it: compressed manual pages and changelog, a machine-readable
# copyright file, the units registered by maintainer scripts, Depends computed from what the
# binary really uses (lintian runs on it in tests/package and in every release of the matrix).
include(GNUInstallDirs)
set(DEB_DIR ${CMAKE_CURRENT_LIST_DIR})

# The unit directory the release's own systemd names: /lib/systemd/system up to Debian 12,
# /usr/lib/systemd/system from Debian 13 (merged /usr).
if(NOT DEFINED CACHE{EWOE_UNITDIR})
  pkg_get_variable(SYSTEMD_UNITDIR systemd systemdsystemunitdir)
  if(NOT SYSTEMD_UNITDIR)
    set(SYSTEMD_UNITDIR /lib/systemd/system)
  endif()
  set(EWOE_UNITDIR ${SYSTEMD_UNITDIR} CACHE PATH "where the systemd units are installed")
endif()

# gzip -n: no name or time stamp in the archive, so the package is reproducible.
find_program(GZIP gzip REQUIRED)
set(EWOE_GZ_FILES docs/man/ewoe.8 docs/man/ewoe.conf.5 scripts/deb/changelog)
set(EWOE_GZ_OUT)
foreach(f ${EWOE_GZ_FILES})
  get_filename_component(name ${f} NAME)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/deb/${name}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/deb
    COMMAND ${GZIP} -9n -c ${CMAKE_SOURCE_DIR}/${f} > ${out}
    DEPENDS ${CMAKE_SOURCE_DIR}/${f} VERBATIM)
  list(APPEND EWOE_GZ_OUT ${out})
endforeach()
add_custom_target(ewoe_compressed_docs ALL DEPENDS ${EWOE_GZ_OUT})

install(TARGETS ewoe DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES scripts/systemd/ewoe-guard.service scripts/systemd/ewoe.service
              scripts/systemd/ewoe-reconcile.service scripts/systemd/ewoe-reconcile.timer
              scripts/systemd/ewoe-metrics.service scripts/systemd/ewoe-metrics.timer
        DESTINATION ${EWOE_UNITDIR})
install(FILES scripts/completion/ewoe.bash DESTINATION share/bash-completion/completions
        RENAME ewoe)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/deb/ewoe.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/deb/ewoe.conf.5.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.gz scripts/deb/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES examples/ewoe.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The Debian package that holds a file, without its ":arch" qualifier; "" when none does.
function(ewoe_deb_package_of file out)
  execute_process(COMMAND dpkg-query -S ${file} OUTPUT_VARIABLE owner
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    string(REGEX REPLACE "[:,].*" "" owner "${owner}")
  else()
    set(owner "")
  endif()
  set(${out} "${owner}" PARENT_SCOPE)
endfunction()

# Depends: dpkg-shlibdeps finds what the binary links; the two libraries it opens with dlopen
# are named by the packages that hold them on the build system.
set(EWOE_DEB_DEPENDS)
ewoe_deb_package_of(${LIBCRYPTO_REAL} crypto_pkg)
ewoe_deb_package_of(${EWOE_LIBVICI} vici_pkg)
foreach(p ${crypto_pkg} ${vici_pkg})
  list(APPEND EWOE_DEB_DEPENDS ${p})
endforeach()
if(NOT vici_pkg)
  list(APPEND EWOE_DEB_DEPENDS strongswan-swanctl) # a cross-build: libvici's usual package
endif()
list(JOIN EWOE_DEB_DEPENDS ", " EWOE_DEB_DEPENDS)

if(CMAKE_CROSSCOMPILING)
  # dpkg's architecture names for the GNU triplets ewoe is cross-built for.
  string(REGEX REPLACE "^aarch64.*" "arm64" EWOE_DEB_ARCH "${CMAKE_SYSTEM_PROCESSOR}")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${EWOE_DEB_ARCH})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ewoe)
set(CPACK_PACKAGE_CONTACT "ewoe maintainers <ewoe@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "encrypted east-west VXLAN overlay between BlueField DPUs")
# CPack puts the summary first and indents each of these lines.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"ewoe sets up IPsec (strongSwan, offloaded to the NIC in packet mode) for the
VXLAN overlay between NVIDIA BlueField DPUs, from one declarative config:
the offload mode, the PF link, the Open vSwitch bridge and tunnels, and the
IKE connections. It talks to OVSDB, strongSwan and the kernel through their
own libraries, and verifies from the kernel's state that traffic is encrypted.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/ewoe")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${EWOE_DEB_DEPENDS}")
# The daemons ewoe drives are reached over sockets; NVIDIA's images carry their own builds.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openvswitch-switch, charon-systemd | strongswan-charon")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${DEB_DIR}/postinst ${DEB_DIR}/prerm ${DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
