# config/local.mk: the documented default glintd.conf, installed to $(sysconfdir)/glint.
glintconfdir = $(sysconfdir)/glint
dist_glintconf_DATA = config/glintd.conf
