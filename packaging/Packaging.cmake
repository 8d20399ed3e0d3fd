# Install layout of the data files and the Debian package (CPack). Included from the
# top-level CMakeLists.txt; the executables install themselves in app/*/CMakeLists.txt.
#
#   cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIERSYNC_BUILD_TESTS=OFF
#   cmake --build build-deb
#   (cd build-deb && cpack -G DEB)      # → tiersync_<version>_amd64.deb
include(GNUInstallDirs)
set(CMAKE_INSTALL_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/tiersync)  # the package name, not the project's

set(_pkg ${PROJECT_SOURCE_DIR}/packaging)
set(_icons ${PROJECT_SOURCE_DIR}/resources/icons)

if(TIERSYNC_BUILD_UI)
  install(FILES ${_pkg}/tiersync-console.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${_pkg}/io.tiersync.console.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  install(FILES ${_icons}/tiersync.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
  foreach(size IN ITEMS 16 32 48 64 128 256)
    install(FILES ${_icons}/hicolor/${size}x${size}/tiersync.png
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
  endforeach()
endif()
# lib/systemd/system under the /usr prefix: where Debian (merged /usr) looks for package units.
install(FILES ${_pkg}/tiersync.service DESTINATION lib/systemd/system)
install(FILES ${_pkg}/tiersync.env.example DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples RENAME tiersync.env)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME tiersync)
set(CPACK_PACKAGE_VENDOR TierSync)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Redis -> PostgreSQL -> Zoho read-through cache, sync and desktop console")
set(CPACK_PACKAGE_CONTACT "TierSync maintainers <maintainers@tiersync.invalid>")
set(CPACK_PACKAGE_INSTALL_DIRECTORY tiersync)
set(CPACK_STRIP_FILES ON)  # RelWithDebInfo binaries carry their debug info otherwise
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/;/\\\\.git/")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tiersync_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents this long part.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "tiersync serves student data from Redis, then PostgreSQL, then Zoho, and keeps
PostgreSQL in step with Zoho by incremental, content-hashed syncs.

This package contains the tiersync command line and server (with a systemd
unit, not enabled), the tiersync-console desktop console, and zoho-sim, the
Zoho-compatible simulator behind `tiersync sandbox`.")
# Library dependencies come from dpkg-shlibdeps (Qt 6, QtKeychain, hiredis, libpqxx,
# libpq, OpenSSL, ...). What the linker cannot see is listed by hand: Qt loads its
# platform plugins (xcb, wayland) from qt6-qpa-plugins, and QtKeychain dlopens libsecret.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libsecret-1-0")
# QtKeychain needs a Secret Service (or KWallet) on the desktop; the sandbox needs the
# servers themselves.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnome-keyring | kwalletmanager")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, postgresql")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_pkg}/debian/postinst ${_pkg}/debian/prerm ${_pkg}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)

# The desktop file, metainfo and unit are validated by the tools Debian itself uses.
if(TIERSYNC_BUILD_TESTS AND TARGET tiersync)
  enable_testing()
  add_test(NAME packaging_files COMMAND ${_pkg}/check-files.sh $<TARGET_FILE:tiersync>)
  set_tests_properties(packaging_files PROPERTIES LABELS unit TIMEOUT 60)
  # Everything the configure step, the compiler, the executables and the scripts use comes
  # from a package that packaging/dev.sh installs (it reads Ninja's dependency records).
  # The .deb itself, as the README builds it (only where the console is built: it ships it).
  if(TARGET tiersync-console)
    add_test(NAME packaging_deb COMMAND ${_pkg}/check-deb.sh ${CMAKE_BINARY_DIR})
    set_tests_properties(packaging_deb PROPERTIES LABELS unit TIMEOUT 300)
  endif()
  if(CMAKE_GENERATOR STREQUAL "Ninja")
    add_test(NAME packaging_debian_packages COMMAND ${_pkg}/check-debian-packages.sh ${CMAKE_BINARY_DIR})
    set_tests_properties(packaging_debian_packages PROPERTIES LABELS unit TIMEOUT 300)
  endif()
endif()
