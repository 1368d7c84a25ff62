# daemon/obs/local.mk: logging and metrics, linkable by the engine and its
# tests as $(OBS_LIBS).
noinst_LIBRARIES += daemon/obs/libglintobs.a
daemon_obs_libglintobs_a_SOURCES = daemon/obs/log.c daemon/obs/log.h \
	daemon/obs/metrics.c daemon/obs/metrics.h \
	daemon/obs/fnlog.c daemon/obs/fnlog.h
OBS_CPPFLAGS = -I$(top_srcdir)/daemon/obs
OBS_LIBS = daemon/obs/libglintobs.a $(COMMON_LIBS)
daemon_obs_libglintobs_a_CPPFLAGS = $(AM_CPPFLAGS) $(OBS_CPPFLAGS) \
	$(COMMON_CPPFLAGS)
