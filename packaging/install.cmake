# Installation (`make install`, `cmake --install`) and the Debian package (`make deb`):
# what goes where is in docs/operations.md. Included by the top CMakeLists.txt.
install(TARGETS eonjena-cli eonjena-matcher eonjena-sms eonjena-handoff eonjena-gateway
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/ DESTINATION ${EO_DATADIR_REL})
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The configuration (paths made absolute), the systemd units and the state folder are
# written at install time, for the prefix given then (cmake --install --prefix, cpack).
install(CODE "
  set(EO_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(EO_SYSCONFDIR \"${EO_SYSCONFDIR}\")
  set(EO_STATEDIR \"${EO_STATEDIR}\")
  set(EO_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(EO_DATADIR_REL \"${EO_DATADIR_REL}\")
  set(EO_UNITDIR \"lib/systemd/system\")
")
install(SCRIPT ${PROJECT_SOURCE_DIR}/packaging/install_files.cmake)

# --- the Debian package: cpack -G DEB (make deb) -------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME eonjena)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "eonjena maintainers <maintainers@eonjena.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "dispatch server for emergency and after-hours child care (언제나돌봄)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, lmdb-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
    ${PROJECT_SOURCE_DIR}/packaging/deb/prerm ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
