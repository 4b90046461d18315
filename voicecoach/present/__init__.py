"""Drawing a report: in the terminal (``terminal``) and as a self-contained web page (``html_report``)."""
