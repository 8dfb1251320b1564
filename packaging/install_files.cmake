# Run at install time (install(SCRIPT), packaging/install.cmake): the installed
# configuration with absolute paths, the systemd units naming the installed
# executables, and the state folder. Honours DESTDIR; never overwrites a configuration
# an administrator may have edited (the new one is written next to it as .dist).
set(root "$ENV{DESTDIR}")
set(prefix "${CMAKE_INSTALL_PREFIX}")
# cpack installs into its staging folder: only what the package owns goes there
set(packaging FALSE)
if("${root}" MATCHES "/_CPack_Packages/" OR "${prefix}" MATCHES "/_CPack_Packages/")
  set(packaging TRUE)
endif()

# etc/eonjena.cfg with the installation's paths
file(READ "${EO_SOURCE_DIR}/etc/eonjena.cfg" cfg)
string(REGEX REPLACE "(\n    store = )\"var/store\"" "\\1\"${EO_STATEDIR}/store\"" cfg "${cfg}")
string(REGEX REPLACE "(\n    keys_file = )\"var/keys\"" "\\1\"${EO_STATEDIR}/keys\"" cfg "${cfg}")
string(REGEX REPLACE "(\n    holidays = )\"\"" "\\1\"${EO_STATEDIR}/holidays.tsv\"" cfg "${cfg}")
# an installation serves real carers: no generated demo ones
string(REGEX REPLACE "(\n    carers = )[0-9]+" "\\10" cfg "${cfg}")
foreach(want "${EO_STATEDIR}/store" "${EO_STATEDIR}/keys" "${EO_STATEDIR}/holidays.tsv")
  string(FIND "${cfg}" "\"${want}\"" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "install: etc/eonjena.cfg changed: cannot point it at ${want}")
  endif()
endforeach()
set(cfgdir "${root}${EO_SYSCONFDIR}")
if(EXISTS "${cfgdir}/eonjena.cfg" AND NOT packaging)
  file(WRITE "${cfgdir}/eonjena.cfg.dist" "${cfg}")
  message(STATUS "Kept: ${cfgdir}/eonjena.cfg (the new one is eonjena.cfg.dist)")
else()
  file(WRITE "${cfgdir}/eonjena.cfg" "${cfg}")
  message(STATUS "Installing: ${cfgdir}/eonjena.cfg")
endif()

# the systemd units, for the installed executables
file(GLOB units "${EO_SOURCE_DIR}/packaging/systemd/*.service")
foreach(u ${units})
  get_filename_component(name "${u}" NAME)
  file(READ "${u}" text)
  string(REPLACE "@BINDIR@" "${prefix}/${EO_BINDIR}" text "${text}")
  string(REPLACE "@SYSCONFDIR@" "${EO_SYSCONFDIR}" text "${text}")
  string(REPLACE "@STATEDIR@" "${EO_STATEDIR}" text "${text}")
  file(WRITE "${root}${prefix}/${EO_UNITDIR}/${name}" "${text}")
  message(STATUS "Installing: ${root}${prefix}/${EO_UNITDIR}/${name}")
endforeach()

# the state folder (0700: personal data) and the live holiday file, which the API and
# `eonjena holiday` edit; a package leaves both to its postinst (it must not own them)
if(NOT packaging)
  file(MAKE_DIRECTORY "${root}${EO_STATEDIR}")
  file(CHMOD "${root}${EO_STATEDIR}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  if(NOT EXISTS "${root}${EO_STATEDIR}/holidays.tsv")
    file(COPY "${EO_SOURCE_DIR}/data/holidays.tsv" DESTINATION "${root}${EO_STATEDIR}"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE)
  endif()
endif()
