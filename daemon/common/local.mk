# daemon/common/local.mk: rules shared by glintd and the glint CLI.
noinst_LIBRARIES += daemon/common/libglintcommon.a
daemon_common_libglintcommon_a_SOURCES = \
	daemon/common/outcome.c daemon/common/outcome.h \
	daemon/common/settings.c daemon/common/settings.h \
	daemon/common/sha256.c daemon/common/sha256.h \
	daemon/common/text.c daemon/common/text.h
COMMON_CPPFLAGS = -I$(top_srcdir)/daemon/common
COMMON_LIBS = daemon/common/libglintcommon.a
daemon_common_libglintcommon_a_CPPFLAGS = $(AM_CPPFLAGS) $(COMMON_CPPFLAGS)
