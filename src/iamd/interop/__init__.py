"""Standard interfaces: ASTERIX recordings in, the recognised air picture out.

``iamd.interop.asterix`` reads and writes EUROCONTROL ASTERIX (CAT048 monoradar target
reports, CAT034 radar service messages, CAT021 ADS-B reports, CAT062 system tracks) from raw
files, pcap captures and UDP; ``iamd.interop.export`` writes a run's picture to the formats
analysts open (CZML for Cesium, KML for Google Earth, GeoJSON, Cursor-on-Target for TAK).
"""
