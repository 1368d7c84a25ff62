# systemd/local.mk: glintd.service and glintd.socket with this build's paths, installed to the unit dir.
systemdsystemunit_DATA = systemd/glintd.service systemd/glintd.socket
EXTRA_DIST += systemd/glintd.service.in systemd/glintd.socket.in
CLEANFILES += $(systemdsystemunit_DATA)

unit_subst = $(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
systemd/glintd.service: $(srcdir)/systemd/glintd.service.in Makefile
	$(unit_subst)
systemd/glintd.socket: $(srcdir)/systemd/glintd.socket.in Makefile
	$(unit_subst)

# `systemd-analyze verify` on the units (skipped without systemd-analyze).
TESTS += systemd/verify-units.test
dist_noinst_SCRIPTS += systemd/verify-units.test
check_DATA += $(systemdsystemunit_DATA)

# Boots this host's systemd in a container and runs README "Running under
# systemd" in it; needs root and systemd-nspawn, so scripts/test.sh runs it
# once rather than every `make check`.
dist_noinst_SCRIPTS += systemd/boot.test
